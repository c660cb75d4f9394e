import type { TestProject } from "vitest/node";
import { startHttpToolFake } from "../fakes/http-tool/server";
import { startMisbehavingProvider } from "../fakes/oidc/misbehaving";
import { startOidcProvider } from "../fakes/oidc/provider";
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
    /** A real OpenID provider (oidc-provider) for SSO sign-ins (test/fakes/oidc/provider.ts). */
    oidcIssuer: string;
    /** A second one, whose keys the rotation test rotates. */
    oidcRotatingIssuer: string;
    /** An OpenID provider that breaks one ID token rule per client id (test/fakes/oidc/misbehaving.ts). */
    oidcMisbehavingIssuer: string;
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
  const oidc = await startOidcProvider();
  project.provide("oidcIssuer", oidc.issuer);
  const rotating = await startOidcProvider();
  project.provide("oidcRotatingIssuer", rotating.issuer);
  const misbehaving = await startMisbehavingProvider();
  project.provide("oidcMisbehavingIssuer", misbehaving.issuer);
  return async () => {
    await oidc.close();
    await rotating.close();
    await misbehaving.close();
    await httpTool.close();
    await slack.close();
    await webhookReceiver.close();
    await tools.close();
  };
}
