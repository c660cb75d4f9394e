import { Tokenizer, TokenParser, TokenType } from "@streamparser/json";

/**
 * Streams a JSON document through @streamparser/json, materialising only the values at the selected paths
 * (`$.metadata`, `$.nodes.*`, …) one at a time; everything else is parsed and dropped as it completes, so a
 * 100 MB manifest never sits in memory as a tree. Also reports the root object's keys as they appear (the
 * manifest reader checks the keys v12 requires without building those sections).
 */
export interface JsonSelector {
  write(chunk: Uint8Array): void;
  end(): void;
}

export interface SelectedValue {
  /** Keys from the root down to the value: ["nodes", "model.pkg.x"], ["metadata"]. */
  path: Array<string | number>;
  value: unknown;
}

export class JsonStreamError extends Error {}

export function createJsonSelector(paths: string[], onValue: (v: SelectedValue) => void, onTopKey: (key: string) => void): JsonSelector {
  // Big string buffers only matter for multi-megabyte strings (compiled SQL); 64 KB is the library's suggestion.
  const tokenizer = new Tokenizer({ stringBufferSize: 64 * 1024, numberBufferSize: 0 });
  const parser = new TokenParser({ paths, keepStack: false });
  let depth = 0;
  let expectKey = false;
  let sawRoot = false;
  tokenizer.onToken = (info) => {
    const { token } = info;
    if (!sawRoot) {
      sawRoot = true;
      if (token !== TokenType.LEFT_BRACE) throw new JsonStreamError("expected a JSON object at the top level");
    }
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      depth++;
      expectKey = token === TokenType.LEFT_BRACE && depth === 1;
    } else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) {
      depth--;
      expectKey = false;
    } else if (depth === 1 && token === TokenType.COMMA) {
      expectKey = true;
    } else if (depth === 1 && expectKey && token === TokenType.STRING) {
      onTopKey(info.value as string);
      expectKey = false;
    }
    parser.write(info);
  };
  parser.onValue = ({ value, key, stack }) => {
    if (key === undefined) return;
    const path: Array<string | number> = [];
    for (let i = 1; i < stack.length; i++) path.push(stack[i].key as string | number);
    path.push(key);
    onValue({ path, value });
  };
  parser.onError = (err) => {
    throw new JsonStreamError(err.message);
  };
  tokenizer.onError = (err) => {
    throw new JsonStreamError(err.message);
  };
  return {
    write(chunk) {
      tokenizer.write(chunk);
    },
    end() {
      if (!sawRoot) throw new JsonStreamError("empty document");
      tokenizer.end();
      // The parser ends itself when the root value closes; still open means the document was cut short.
      if (!parser.isEnded) throw new JsonStreamError("unexpected end of the document");
    },
  };
}
