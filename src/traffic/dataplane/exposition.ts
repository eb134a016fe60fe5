// Writes metric families in Prometheus' text exposition format (version 0.0.4), escaping what the format requires.
import { InputError } from '../../errors.js';

/** The Content-Type of the text format (prometheus/docs content/docs/instrumenting/exposition_formats.md). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and line feed are the three the format escapes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed (quotes stay as they are there). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as the format writes it: Go float syntax plus NaN, +Inf, -Inf. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `{a="1",b="2"}` in the order given, or '' for no labels. Label names are checked, values escaped. */
export function formatLabels(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  return `{${labels
    .map(([k, v]) => {
      if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new InputError(`"${k}" is not a valid Prometheus label name`);
      return `${k}="${escapeLabelValue(v)}"`;
    })
    .join(',')}}`;
}

/** One sample line of a family: a name suffix (e.g. `_bucket`), its labels and its value. */
export interface Sample {
  suffix?: string;
  labels: readonly (readonly [string, string])[];
  value: number;
}

/** A metric family: HELP, TYPE, then its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'untyped';
  samples: readonly Sample[];
}

/** Renders families in the text format; the output ends with a line feed, as the format requires. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new InputError(`"${f.name}" is not a valid Prometheus metric name`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatSampleValue(s.value)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
