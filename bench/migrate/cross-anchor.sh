#!/usr/bin/env bash
# The seed's path across clusters (issue 13's TCM runbook by hand): namespaces in the target with its opt-in label, the
# kubedump loop for the Istio config (bench/export/kubedump.sh, one kubectl get | neat per object) applied into the
# target, per namespace `kubectl get deploy,svc,cm,sa -o yaml | neat | kubectl apply -f -`, then `kubectl rollout
# status` per Deployment and a check that every pod runs injected by the target revision. Every kubectl logs its
# requests (-v=6) on stderr, which the bench counts.
# Usage: cross-anchor.sh KUBECTL NEAT KUBECONFIG SRC DST REVISION OUT-DIR NS...
# NEAT is a command line, split on spaces where it runs (e.g. "/path/to/kubectl neat", kubectl-neat on PATH).
set -euo pipefail
kubectl=$1 neat=$2 kubeconfig=$3 src=$4 dst=$5 revision=$6 out=$7
shift 7
here=$(cd "$(dirname "$0")" && pwd)
k() { "$kubectl" --kubeconfig "$kubeconfig" -v=6 "$@"; }

# 1. The namespaces, labelled for the target's revision (the guide's "create the namespaces with injection enabled").
for ns in "$@"; do
  k --context "$dst" create namespace "$ns" >/dev/null
  k --context "$dst" label namespace "$ns" "istio.io/rev=$revision" --overwrite >/dev/null
done

# 2. Config: the kubedump loop over the source's namespaces, then one apply of the dump into the target.
wrapper="$out.kubectl"
printf '#!/bin/sh\nexec %s --context %s -v=6 "$@"\n' "$kubectl" "$src" >"$wrapper"
chmod +x "$wrapper"
KUBECTL="$wrapper" NEAT="$neat" KUBEDUMP_NAMESPACES="$*" bash "$here/../export/kubedump.sh" "$kubeconfig" "$out"
k --context "$dst" apply -R -f "$out" >/dev/null

# 3. Workloads, per namespace. A raw get | apply fails on resourceVersion and clusterIP, hence the neat.
for ns in "$@"; do
  k --context "$src" get deploy,svc,cm,sa -n "$ns" -o yaml | $neat | k --context "$dst" apply -n "$ns" -f - >/dev/null
done

# 4. The verified end state: every rollout complete, every pod Running and injected by the target revision.
for ns in "$@"; do
  for d in $(k --context "$dst" get deployment -n "$ns" -o name); do
    k --context "$dst" rollout status "$d" -n "$ns" --timeout=30m >/dev/null
  done
  bad=$(k --context "$dst" get pods -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.annotations.istio\.io/rev} {.status.phase}{"\n"}{end}' | awk -v rev="$revision" 'NF && !($2 == rev && $3 == "Running")')
  if [ -n "$bad" ]; then
    echo "pods in $ns not running on $revision: $bad" >&2
    exit 1
  fi
done
