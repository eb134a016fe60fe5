// Message types of the analyzer catalog, their levels, and how a template becomes text.

export type Level = 'Error' | 'Warning' | 'Info';
export const LEVELS: readonly Level[] = ['Info', 'Warning', 'Error'];

const RANK: Record<Level, number> = { Info: 0, Warning: 1, Error: 2 };

/** True when `level` is at or above `threshold` (Error > Warning > Info). */
export function atLeast(level: Level, threshold: Level): boolean {
  return RANK[level] >= RANK[threshold];
}

/** Parses a level word case-insensitively (`error`, `Warning`); undefined when it is not one. */
export function parseLevel(word: string): Level | undefined {
  return LEVELS.find((l) => l.toLowerCase() === word.trim().toLowerCase());
}

export type ArgType = 'string' | 'number' | 'strings';
export type ArgValue = string | number | readonly string[];

/** One catalog entry (see messages.yaml). */
export interface MessageType {
  readonly code: string;
  readonly name: string;
  readonly level: Level;
  readonly description: string;
  readonly template: string;
  readonly args: readonly { readonly name: string; readonly type: ArgType }[];
}

/** A message instance: its type and the rendered text. */
export interface Message {
  readonly type: MessageType;
  readonly args: Readonly<Record<string, ArgValue>>;
  readonly text: string;
}

/** Renders `{name}` placeholders; lists are joined with ", ". */
export function formatTemplate(template: string, args: Readonly<Record<string, ArgValue>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = args[name];
    if (v === undefined) return whole;
    return Array.isArray(v) ? v.join(', ') : String(v);
  });
}

/** Builds a message from a catalog entry and its arguments (used by the generated constructors). */
export function makeMessage(type: MessageType, args: Readonly<Record<string, ArgValue>>): Message {
  return { type, args, text: formatTemplate(type.template, args) };
}
