// The YAML dialect Kubernetes tools speak: YAML 1.1 as go-yaml v2 (sigs.k8s.io/yaml) resolves it.
import type { CreateNodeOptions, DocumentOptions, ParseOptions, ScalarTag, SchemaOptions, ToStringOptions } from 'yaml';

/**
 * The `yaml` library's YAML 1.1 float pattern also matches a lone `.` (read as NaN). go-yaml v2, which kubectl
 * uses, requires a digit, so `exportTo: [.]` — Istio's "this namespace" — must stay the string ".".
 */
const GO_YAML_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;

type CustomTags = Extract<NonNullable<SchemaOptions['customTags']>, (tags: never) => unknown>;

const withGoYamlFloat = ((tags: unknown[]) =>
  tags.map((t) => {
    const tag = t as ScalarTag;
    if (typeof t === 'object' && tag.tag === 'tag:yaml.org,2002:float' && tag.test instanceof RegExp && tag.test.test('.'))
      return { ...tag, test: GO_YAML_FLOAT };
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
