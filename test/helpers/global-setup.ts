import type { TestProject } from "vitest/node";
import { startHttpToolFake } from "../fakes/http-tool/server";
import { startToolFakes, type ToolFakeUrls } from "../fakes/tools";

declare module "vitest" {
  export interface ProvidedContext {
    fakeHttpToolUrl: string;
    /** Base URL of each tool fake (dbt_cloud, fivetran, …), see test/fakes/tools.ts. */
    toolFakes: ToolFakeUrls;
  }
}

/** Fake external tools run in Node beside workerd; tests reach them over loopback like a real tool. */
export default async function setup(project: TestProject) {
  const httpTool = await startHttpToolFake({ token: "fake-tool-token" });
  project.provide("fakeHttpToolUrl", httpTool.url);
  const tools = await startToolFakes();
  project.provide("toolFakes", tools.urls);
  return async () => {
    await httpTool.close();
    await tools.close();
  };
}
