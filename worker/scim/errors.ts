/** SCIM's own error (RFC 7644 §3.12): `status` is a string, `scimType` one of the RFC's keywords where one fits. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers";

export class ScimError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 412 | 413 | 415 | 500,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
  }

  body() {
    return {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.message,
    };
  }
}

export const scimNotFound = (what: string) => new ScimError(404, `${what} not found`);
export const invalidValue = (message: string) => new ScimError(400, message, "invalidValue");
