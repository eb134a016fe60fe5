#!/usr/bin/env bash
# The kubedump script of the TCM → Istio migration guide, reproduced for benchmarking: one kubectl per
# namespace × kind to list names, then one `kubectl get -o yaml | neat` per object, written to
# <out>/<namespace>/<kind>/<name>.yaml. Only the binaries are injected, so the logic stays the script's own.
# Usage: KUBECTL=... NEAT="..." [KUBEDUMP_NAMESPACES="ns ..."] kubedump.sh <kubeconfig> <out-dir>
# KUBEDUMP_NAMESPACES (bench/migrate's cross case) narrows the loop to the namespaces named, in place of every one.
set -euo pipefail
kubeconfig=$1 out=$2
: "${KUBECTL:?set KUBECTL}" "${NEAT:?set NEAT}"
kinds="virtualservices destinationrules gateways serviceentries sidecars envoyfilters workloadentries workloadgroups peerauthentications authorizationpolicies requestauthentications"
k() { "$KUBECTL" --kubeconfig "$kubeconfig" "$@"; }
for ns in ${KUBEDUMP_NAMESPACES:-$(k get ns -o jsonpath='{.items[*].metadata.name}')}; do
  for kind in $kinds; do
    names=$(k get "$kind" -n "$ns" -o jsonpath='{.items[*].metadata.name}')
    [ -z "$names" ] && continue
    mkdir -p "$out/$ns/$kind"
    for name in $names; do
      k get "$kind" "$name" -n "$ns" -o yaml | $NEAT > "$out/$ns/$kind/$name.yaml"
    done
  done
done
