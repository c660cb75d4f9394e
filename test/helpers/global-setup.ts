import type { TestProject } from "vitest/node";
import { startHttpToolFake } from "../fakes/http-tool/server";

declare module "vitest" {
  export interface ProvidedContext {
    fakeHttpToolUrl: string;
  }
}

/** Fake external tools run in Node beside workerd; tests reach them over loopback like a real tool. */
export default async function setup(project: TestProject) {
  const httpTool = await startHttpToolFake({ token: "fake-tool-token" });
  project.provide("fakeHttpToolUrl", httpTool.url);
  return async () => {
    await httpTool.close();
  };
}
