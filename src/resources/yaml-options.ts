// The YAML dialect Kubernetes tools speak: YAML 1.1 as go-yaml v2 (sigs.k8s.io/yaml) resolves it.
import { FLOAT_PLAIN } from './yaml-scalars.js';
import type { CreateNodeOptions, DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, ToStringOptions } from 'yaml';

/**
 * Where the `yaml` library's YAML 1.1 schema and go-yaml v2 (what kubectl uses) disagree, we follow go-yaml:
 * - its float pattern also matches a lone `.` (read as NaN); go-yaml requires a digit, so `exportTo: [.]` —
 *   Istio's "this namespace" — stays the string ".";
 * - go-yaml leaves timestamps (`2026-03-14`) and sexagesimal numbers (`1:20`) as strings when decoding into
 *   JSON, so those tags are dropped (the library would give a Date and 80).
 */

type CustomTags = Extract<NonNullable<SchemaOptions['customTags']>, (tags: never) => unknown>;

const withGoYamlFloat = ((tags: unknown[]) =>
  tags
    .filter((t) => {
      const tag = t as ScalarTag;
      if (typeof t !== 'object') return true;
      if (tag.tag === 'tag:yaml.org,2002:timestamp') return false;
      // intTime and floatTime (sexagesimal) are the tags that take "1:20" or "1:20.5".
      return !(tag.test instanceof RegExp && (tag.test.test('1:20') || tag.test.test('1:20.5')));
    })
    .map((t) => {
      const tag = t as ScalarTag;
      if (typeof t === 'object' && tag.tag === 'tag:yaml.org,2002:float' && tag.test instanceof RegExp && tag.test.test('.'))
        return { ...tag, test: FLOAT_PLAIN };
      return t;
    })) as unknown as CustomTags;

/** Options for parsing and stringifying Kubernetes YAML (spread them into the `yaml` library's calls). */
export const KUBE_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: withGoYamlFloat,
};

/** Output style: no line folding, indented sequences, no anchors. */
export const KUBE_YAML_OUTPUT: DocumentOptions & SchemaOptions & CreateNodeOptions & ToStringOptions = {
  ...KUBE_YAML,
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
  indentSeq: true,
};
