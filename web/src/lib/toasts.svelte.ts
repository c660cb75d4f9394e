/** Short confirmations ("Team created") shown in a corner and dismissed on their own. */
export interface Toast {
  id: number;
  message: string;
  tone: "success" | "danger";
}

export const toasts = $state<{ items: Toast[] }>({ items: [] });

let nextId = 1;

export function notify(message: string, tone: Toast["tone"] = "success") {
  const id = nextId++;
  toasts.items = [...toasts.items, { id, message, tone }];
  setTimeout(() => dismiss(id), 4000);
}

export function dismiss(id: number) {
  toasts.items = toasts.items.filter((t) => t.id !== id);
}
