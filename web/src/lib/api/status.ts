/** Product status pages: the public page and its subscriptions, and the owners' share links and subscribers. */
import { client, data } from "./client";

const product = (productId: string) => ({ params: { path: { id: productId } } });
// The public pages have no session: a 401 never sends anyone to the sign-in page from there.
const open = { redirectOn401: false } as const;

export const statusApi = {
  page: (token: string) => data(client.GET("/status/{token}", { params: { path: { token } } }), open),
  subscribe: (token: string, email: string) => data(client.POST("/status/{token}/subscribe", { params: { path: { token } }, body: { email } }), open),
  confirm: (token: string) => data(client.POST("/status/confirm", { body: { token } }), open),
  unsubscribe: (token: string) => data(client.POST("/status/unsubscribe", { body: { token } }), open),

  shares: (productId: string) => data(client.GET("/products/{id}/shares", product(productId))),
  share: (productId: string, label: string) => data(client.POST("/products/{id}/shares", { ...product(productId), body: { label } })),
  revoke: (productId: string, shareId: string) => data(client.DELETE("/products/{id}/shares/{shareId}", { params: { path: { id: productId, shareId } } })),
  subscriptions: (productId: string) => data(client.GET("/products/{id}/subscriptions", product(productId))),
  addChannel: (productId: string, channelId: string) =>
    data(client.POST("/products/{id}/subscriptions", { ...product(productId), body: { channel_id: channelId } })),
  removeSubscription: (productId: string, subscriptionId: string) =>
    data(client.DELETE("/products/{id}/subscriptions/{subscriptionId}", { params: { path: { id: productId, subscriptionId } } })),
};
