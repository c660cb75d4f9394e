/** Async data with its loading and error state, so every page renders the same three states. */
export class Resource<T> {
  data = $state<T | undefined>(undefined);
  error = $state<unknown>(null);
  loading = $state(false);
  #fetcher: () => Promise<T>;
  #generation = 0;

  constructor(fetcher: () => Promise<T>) {
    this.#fetcher = fetcher;
  }

  /** Reloads; a slower earlier load never overwrites a newer one. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const data = await this.#fetcher();
      if (generation === this.#generation) this.data = data;
    } catch (error) {
      if (generation === this.#generation) this.error = error;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}

/** A cursor-paginated list: first page on load(), further pages appended by more(). */
export class PagedList<T> {
  items = $state<T[]>([]);
  nextCursor = $state<string | null>(null);
  error = $state<unknown>(null);
  loading = $state(false);
  loadingMore = $state(false);
  loaded = $state(false);
  #fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>;
  #generation = 0;

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
    } catch (error) {
      if (generation === this.#generation) this.error = error;
    } finally {
      this.loadingMore = false;
    }
  }
}
