/** Submission state of one form: busy flag, field errors by API path, and a message for the rest. */
import { splitErrors } from "./errors";

export class FormState {
  submitting = $state(false);
  error = $state<unknown>(null);
  /** Errors found before sending (e.g. a number field with letters), keyed like the API's paths. */
  localErrors = $state<Record<string, string>>({});
  #shownPaths: () => readonly string[];

  /** `shownPaths` lists the API paths this form renders next to an input; others go to the banner. */
  constructor(shownPaths: readonly string[] | (() => readonly string[])) {
    this.#shownPaths = typeof shownPaths === "function" ? shownPaths : () => shownPaths;
  }

  get split() {
    return splitErrors(this.error, this.#shownPaths());
  }

  field(path: string): string | undefined {
    return this.localErrors[path] ?? this.split.fields[path];
  }

  get general(): string | null {
    return this.split.general;
  }

  reset() {
    this.error = null;
    this.localErrors = {};
  }

  /** Runs `action` once at a time; returns its result, or undefined when it failed (the error is kept for display). */
  async submit<T>(action: () => Promise<T>): Promise<T | undefined> {
    if (this.submitting) return undefined;
    this.submitting = true;
    this.error = null;
    try {
      return await action();
    } catch (error) {
      this.error = error;
      return undefined;
    } finally {
      this.submitting = false;
    }
  }
}
