/** Invitations to the workspace: sending and revoking them, and the public page that accepts one. */
import { client, data } from "./client";
import type { AcceptInvitationRequest, CreateInvitationRequest } from "./types";

export const invitationsApi = {
  list: (cursor?: string) => data(client.GET("/invitations", { params: { query: { cursor, limit: 100 } } })),
  create: (body: CreateInvitationRequest) => data(client.POST("/invitations", { body })),
  revoke: (invitationId: string) => data(client.DELETE("/invitations/{id}", { params: { path: { id: invitationId } } })),
  // The invitation page is public: a 401 there is the page's to explain.
  lookup: (token: string) => data(client.GET("/invitations/lookup", { params: { query: { token } } }), { redirectOn401: false }),
  accept: (body: AcceptInvitationRequest) => data(client.POST("/invitations/accept", { body }), { redirectOn401: false }),
};
