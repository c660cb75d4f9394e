export function shiftDate(offsetMs: number): void;
export function clockOffsetMs(value: string | undefined): number;
