// The YAML dialect Kubernetes tools speak: YAML 1.1 as go-yaml v2 (sigs.k8s.io/yaml) resolves it.
import { FLOAT_SPECIAL, GO_FLOAT, GO_INT, parseGoInteger } from './yaml-scalars.js';
import type { CreateNodeOptions, DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, ToStringOptions } from 'yaml';

/**
 * Where the `yaml` library's YAML 1.1 schema and go-yaml v2 (what kubectl uses) disagree, we follow go-yaml:
 * - integers: go-yaml reads Go's base prefixes in either case (`0X1F`, `0o17`, `0B101`), which the library's
 *   1.1 schema leaves as strings, and it needs a digit after a prefix (`0x_` is a string);
 * - floats: go-yaml needs a digit before any exponent, so `e3` and a lone `.` (Istio's `exportTo: [.]`, "this
 *   namespace") are strings, where the library reads NaN;
 * - go-yaml leaves timestamps (`2026-03-14`) and sexagesimal numbers (`1:20`) as strings when decoding into
 *   JSON, so those tags are dropped (the library would give a Date and 80).
 * The library's own int and float tags are replaced by ones built from yaml-scalars.ts, which the fast reader
 * uses too; its special floats (`.inf`, `.nan`) and every other tag stay.
 */

type CustomTags = Extract<NonNullable<SchemaOptions['customTags']>, (tags: never) => unknown>;

const goInt: ScalarTag = { default: true, tag: 'tag:yaml.org,2002:int', test: GO_INT, resolve: (str) => parseGoInteger(str) };
const goFloat: ScalarTag = { default: true, tag: 'tag:yaml.org,2002:float', test: GO_FLOAT, resolve: (str) => Number(str.replace(/_/g, '')) };

const withGoYamlScalars = ((tags: unknown[]) => [
  goInt,
  goFloat,
  ...tags.filter((t) => {
    if (typeof t !== 'object') return true;
    const tag = t as ScalarTag;
    if (tag.tag === 'tag:yaml.org,2002:timestamp') return false;
    // The library's own numbers (go-yaml's are above), except the special floats, which both read alike.
    if (tag.tag === 'tag:yaml.org,2002:int') return false;
    if (tag.tag === 'tag:yaml.org,2002:float') return tag.test instanceof RegExp && FLOAT_SPECIAL.test('.inf') && tag.test.test('.inf');
    return true;
  }),
]) as unknown as CustomTags;

/** Options for parsing and stringifying Kubernetes YAML (spread them into the `yaml` library's calls). */
export const KUBE_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: withGoYamlScalars,
};

/** Output style: no line folding, indented sequences, no anchors. */
export const KUBE_YAML_OUTPUT: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions = {
  ...KUBE_YAML,
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
  indentSeq: true,
};
