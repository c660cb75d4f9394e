/**
 * The spec editor: CodeMirror 6 with YAML highlighting, completion from the API's JSON Schema, inline problems
 * from the API's own validation, and the changes against the current version shown inline (@codemirror/merge).
 * Only the editor pages import this module, and only with a dynamic import, so no other page downloads CodeMirror.
 */
import { autocompletion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { forceLinting, linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { unifiedMergeView } from "@codemirror/merge";
import { Compartment, EditorState, type Text } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { completeSpec, type JsonSchema } from "./spec-completion";

export { draftTasks, type GraphTask } from "./draft-graph";

/** A problem the API located in the text (1-based line and column). */
export interface LineProblem {
  line: number;
  column: number;
  message: string;
}

export interface SpecEditorOptions {
  parent: HTMLElement;
  doc: string;
  label: string;
  /** The JSON Schema for completion; null until it has loaded. */
  schema: () => JsonSchema | null;
  /** Validates the text (the API's dry run) and answers the problems it located; runs after typing pauses. */
  check: (text: string) => Promise<LineProblem[]>;
  onChange: (text: string) => void;
}

export interface SpecEditor {
  /** Shows the changes against `original` inline, or stops showing them (null). */
  showChanges(original: string | null): void;
  setText(text: string): void;
  /** Validates again now (after the environment changed). */
  recheck(): void;
  /** Puts the cursor at a 1-based line and column and scrolls there. */
  goTo(line: number, column: number): void;
  destroy(): void;
}

/** A problem's place: from its column to the end of its line, so the whole field is underlined. */
export function problemRange(doc: Text, p: LineProblem): { from: number; to: number } {
  const line = doc.line(Math.min(Math.max(p.line, 1), doc.lines));
  const from = Math.min(line.from + Math.max(p.column, 1) - 1, line.to);
  const end = line.from + line.text.trimEnd().length;
  return { from, to: Math.max(end, from) };
}

const theme = EditorView.theme({
  "&": { fontSize: "var(--text-sm)", backgroundColor: "var(--surface)", color: "var(--text)", height: "100%" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.6" },
  ".cm-gutters": { backgroundColor: "var(--neutral-soft)", color: "var(--text-subtle)", borderRight: "1px solid var(--border)" },
  "&.cm-focused": { outline: "2px solid var(--accent)", outlineOffset: "-2px" },
  ".cm-tooltip": { fontFamily: "var(--font-sans, inherit)", maxWidth: "min(90vw, 480px)" },
});

export function createSpecEditor(o: SpecEditorOptions): SpecEditor {
  const changes = new Compartment();
  const complete = (ctx: CompletionContext): CompletionResult | null => {
    const schema = o.schema();
    if (!schema) return null;
    const answer = completeSpec(ctx.state.doc.toString(), ctx.pos, schema);
    if (!answer || (answer.from === ctx.pos && !ctx.explicit)) return null;
    return { from: answer.from, options: answer.options.map((opt) => ({ ...opt, type: opt.apply.endsWith(": ") ? "property" : "enum" })) };
  };
  const lint = async (view: EditorView): Promise<Diagnostic[]> => {
    const problems = await o.check(view.state.doc.toString());
    return problems.map((p) => ({ ...problemRange(view.state.doc, p), severity: "error", message: p.message }));
  };
  const view = new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        basicSetup,
        keymap.of([indentWithTab]),
        yaml(),
        EditorState.tabSize.of(2),
        lintGutter(),
        linter(lint, { delay: 500 }),
        autocompletion({ override: [complete], icons: false }),
        changes.of([]),
        theme,
        // Long lines wrap rather than scroll sideways: on a phone a spec stays readable without panning.
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": o.label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    showChanges(original) {
      view.dispatch({
        effects: changes.reconfigure(
          original === null ? [] : unifiedMergeView({ original, mergeControls: false, gutter: true, syntaxHighlightDeletions: false }),
        ),
      });
    },
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    recheck() {
      forceLinting(view);
    },
    goTo(line, column) {
      const at = problemRange(view.state.doc, { line, column, message: "" }).from;
      view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
      view.focus();
    },
    destroy() {
      view.destroy();
    },
  };
}
