import type { TestProject } from "vitest/node";
import { startHttpToolFake } from "../fakes/http-tool/server";
import { startSlackFake } from "../fakes/slack/server";
import { startWebhookReceiverFake } from "../fakes/standard-webhooks/server";
import { startToolFakes, type ToolFakeUrls } from "../fakes/tools";

declare module "vitest" {
  export interface ProvidedContext {
    fakeHttpToolUrl: string;
    /** Slack incoming-webhook fake (test/fakes/slack/server.ts). */
    fakeSlackUrl: string;
    /** Standard Webhooks receiver fake that verifies signatures (test/fakes/standard-webhooks/server.ts). */
    fakeWebhookReceiverUrl: string;
    /** Base URL of each tool fake (dbt_cloud, fivetran, …), see test/fakes/tools.ts. */
    toolFakes: ToolFakeUrls;
  }
}

/** Fake external tools run in Node beside workerd; tests reach them over loopback like a real tool. */
export default async function setup(project: TestProject) {
  const httpTool = await startHttpToolFake({ token: "fake-tool-token" });
  project.provide("fakeHttpToolUrl", httpTool.url);
  const slack = await startSlackFake();
  project.provide("fakeSlackUrl", slack.url);
  const webhookReceiver = await startWebhookReceiverFake();
  project.provide("fakeWebhookReceiverUrl", webhookReceiver.url);
  const tools = await startToolFakes();
  project.provide("toolFakes", tools.urls);
  return async () => {
    await httpTool.close();
    await slack.close();
    await webhookReceiver.close();
    await tools.close();
  };
}
