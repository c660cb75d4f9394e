/** Alerts and what routes them: channels and rules. */
import { client, data } from "./client";
import type { AlertFilter, AlertRuleInput, CreateAlertChannelRequest, UpdateAlertChannelRequest } from "./types";

const alert = (alertId: string) => ({ params: { path: { id: alertId } } });

export const alertsApi = {
  list: (filter: AlertFilter, cursor?: string) => data(client.GET("/alerts", { params: { query: { ...filter, cursor, limit: 50 } } })),
  summary: () => data(client.GET("/alerts/summary")),
  get: (alertId: string) => data(client.GET("/alerts/{id}", alert(alertId))),
  acknowledge: (alertId: string) => data(client.POST("/alerts/{id}/acknowledge", alert(alertId))),
  unacknowledge: (alertId: string) => data(client.POST("/alerts/{id}/unacknowledge", alert(alertId))),
  resolve: (alertId: string, reason?: string) => data(client.POST("/alerts/{id}/resolve", { ...alert(alertId), body: reason ? { reason } : {} })),
  assign: (alertId: string, userId: string | null) => data(client.POST("/alerts/{id}/assign", { ...alert(alertId), body: { user_id: userId } })),
  note: (alertId: string, text: string) => data(client.POST("/alerts/{id}/notes", { ...alert(alertId), body: { text } })),
};

const channel = (channelId: string) => ({ params: { path: { id: channelId } } });

export const alertChannelsApi = {
  list: (teamId?: string) => data(client.GET("/alert-channels", { params: { query: { team_id: teamId } } })),
  create: (body: CreateAlertChannelRequest) => data(client.POST("/alert-channels", { body })),
  update: (channelId: string, body: UpdateAlertChannelRequest) => data(client.PATCH("/alert-channels/{id}", { ...channel(channelId), body })),
  remove: (channelId: string) => data(client.DELETE("/alert-channels/{id}", channel(channelId))),
  test: (channelId: string) => data(client.POST("/alert-channels/{id}/test", channel(channelId))),
};

const rule = (ruleId: string) => ({ params: { path: { id: ruleId } } });

export const alertRulesApi = {
  list: (teamId?: string) => data(client.GET("/alert-rules", { params: { query: { team_id: teamId } } })),
  create: (body: AlertRuleInput & { team_id: string }) => data(client.POST("/alert-rules", { body })),
  update: (ruleId: string, body: Partial<AlertRuleInput>) => data(client.PATCH("/alert-rules/{id}", { ...rule(ruleId), body })),
  remove: (ruleId: string) => data(client.DELETE("/alert-rules/{id}", rule(ruleId))),
};
