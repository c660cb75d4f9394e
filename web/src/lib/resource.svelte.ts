/** What a page keeps current by itself (live.svelte.ts): a quiet reload and when the data was last read. */
export interface Refreshable {
  /** Reloads without a spinner and keeps what is shown if the read fails; false when it failed. */
  refresh(): Promise<boolean>;
  /** When the data on screen was read (epoch ms), null before the first load. */
  readonly updatedAt: number | null;
}

/** Async data with its loading and error state, so every page renders the same three states. */
export class Resource<T> implements Refreshable {
  data = $state<T | undefined>(undefined);
  error = $state<unknown>(null);
  loading = $state(false);
  updatedAt = $state<number | null>(null);
  #fetcher: () => Promise<T>;
  #generation = 0;

  constructor(fetcher: () => Promise<T>) {
    this.#fetcher = fetcher;
  }

  async refresh(): Promise<boolean> {
    if (this.loading) return true;
    const generation = ++this.#generation;
    try {
      const data = await this.#fetcher();
      if (generation !== this.#generation) return true;
      this.data = data;
      this.error = null;
      this.updatedAt = Date.now();
      return true;
    } catch {
      return false;
    }
  }

  /** Reloads; a slower earlier load never overwrites a newer one. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const data = await this.#fetcher();
      if (generation === this.#generation) {
        this.data = data;
        this.updatedAt = Date.now();
      }
    } catch (error) {
      if (generation === this.#generation) this.error = error;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}

/** A cursor-paginated list: first page on load(), further pages appended by more(). */
export class PagedList<T> implements Refreshable {
  items = $state<T[]>([]);
  nextCursor = $state<string | null>(null);
  error = $state<unknown>(null);
  loading = $state(false);
  loadingMore = $state(false);
  loaded = $state(false);
  updatedAt = $state<number | null>(null);
  #fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>;
  #generation = 0;
  /** Pages on screen, so a refresh reads as many again and "Load more" results do not vanish. */
  #pages = 0;

  constructor(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>) {
    this.#fetchPage = fetchPage;
  }

  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetchPage(undefined);
      if (generation !== this.#generation) return;
      this.items = page.items;
      this.nextCursor = page.next_cursor;
      this.loaded = true;
      this.updatedAt = Date.now();
      this.#pages = 1;
    } catch (error) {
      if (generation === this.#generation) this.error = error;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  async more(): Promise<void> {
    if (!this.nextCursor || this.loadingMore) return;
    const generation = this.#generation;
    this.loadingMore = true;
    this.error = null;
    try {
      const page = await this.#fetchPage(this.nextCursor);
      if (generation !== this.#generation) return;
      this.items = [...this.items, ...page.items];
      this.nextCursor = page.next_cursor;
      this.#pages++;
    } catch (error) {
      if (generation === this.#generation) this.error = error;
    } finally {
      this.loadingMore = false;
    }
  }

  /**
   * Reads the pages on screen again from the first, without a spinner, and swaps them in at once. Skipped while a
   * load or "Load more" is in flight (that read is newer); a failure keeps what is shown.
   */
  async refresh(): Promise<boolean> {
    if (!this.loaded || this.loading || this.loadingMore) return true;
    const generation = ++this.#generation;
    const pages = Math.max(1, this.#pages);
    try {
      const items: T[] = [];
      let cursor: string | undefined;
      let next: string | null = null;
      for (let read = 0; read < pages; read++) {
        const page = await this.#fetchPage(cursor);
        items.push(...page.items);
        next = page.next_cursor;
        if (!next) break;
        cursor = next;
      }
      // A newer load, or a "Load more" that landed meanwhile, is what the page should keep.
      if (generation !== this.#generation || this.#pages !== pages) return true;
      this.items = items;
      this.nextCursor = next;
      this.error = null;
      this.updatedAt = Date.now();
      return true;
    } catch {
      return false;
    }
  }
}
