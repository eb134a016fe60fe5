#!/usr/bin/env bash
# The runbook's revision swap, as people run it today (Istio's canary upgrade guide): relabel each namespace,
# restart its Deployments, then wait for every rollout. Usage: runbook.sh KUBECTL KUBECONFIG CONTEXT REVISION NS...
set -euo pipefail
kubectl="$1"; kubeconfig="$2"; context="$3"; revision="$4"; shift 4
k() { "$kubectl" --kubeconfig "$kubeconfig" --context "$context" -v=6 "$@"; }
for ns in "$@"; do
  k label namespace "$ns" istio-injection- "istio.io/rev=$revision" --overwrite
  k rollout restart deployment -n "$ns"
done
for ns in "$@"; do
  for d in $(k get deployment -n "$ns" -o name); do
    k rollout status "$d" -n "$ns" --timeout=30m
  done
done
