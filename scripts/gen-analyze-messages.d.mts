// Types of scripts/gen-analyze-messages.mjs, for the test that keeps messages.gen.ts current.
import type { ArgType, Level } from '../src/analyze/message.js';

export interface CatalogEntry {
  code: string;
  name: string;
  level: Level;
  description: string;
  template: string;
  args: { name: string; type: ArgType }[];
}

export interface Catalog {
  messages: CatalogEntry[];
  retired: { code: string; name: string }[];
}

/** Parses and checks the catalog; every problem is collected so one run shows them all. */
export function parseCatalog(text: string): Catalog;
/** The TypeScript source of messages.gen.ts. */
export function renderCatalogModule(catalog: Catalog): string;
export const CATALOG_YAML: URL;
export const CATALOG_MODULE: URL;
