#!/usr/bin/env bash
# The TCM exit (issue 13) on the bundled export, rehearsed end to end on a local three-cluster lab:
#   tcm      the old Tencent Cloud Mesh cluster, revision 1-18-5, its own mesh root;
#   primary  the new mesh's config cluster (istiod 1-31-1, another root): holds the MeshMigration and its journal;
#   remote   where the workloads move (its own lab istiod 1-31-1 stands in for a remote of primary).
# tcm is seeded from examples/tcm-export; then `migrate plan` refuses to split shop from payments (they call each other),
# `migrate apply` runs one wave to Finished (config imported, workloads copied, the CLB weight shifted under
# Prometheus gates, tcm scaled down once proven quiet), and `migrate finish` writes DECOMMISSION.md.
# Usage: scripts/example-tcm.sh [OUT]   (default out/example-tcm; the lab stays up afterwards, see the last lines)
set -euo pipefail
# OUT is the caller's: a relative one is resolved from the folder the script was started in, before the cd below.
case "${1:-}" in
  "") out="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/out/example-tcm" ;;
  /*) out="$1" ;;
  *) out="$PWD/$1" ;;
esac
out="${out%/}"
[ -n "$out" ] || { echo "example-tcm: name a folder other than /: scripts/example-tcm.sh DIR" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# OUT is replaced on every run, so only a folder this script made (it holds the marker) or an empty or new one is
# taken; a symlink, or any other non-empty folder, is the user's and is never touched.
marker="$out/.meshferry-example-tcm"
if [ -L "$out" ]; then echo "example-tcm: $out is a symlink; name a real folder: scripts/example-tcm.sh DIR" >&2; exit 2; fi
if [ -e "$out" ] && [ ! -d "$out" ]; then echo "example-tcm: $out is not a folder; name a new or empty one: scripts/example-tcm.sh DIR" >&2; exit 2; fi
if [ -d "$out" ] && [ -n "$(ls -A -- "$out")" ] && [ ! -f "$marker" ]; then
  echo "example-tcm: $out exists, is not empty and was not made by this script; name a new or empty folder: scripts/example-tcm.sh DIR" >&2
  exit 2
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
# The lab test that runs this script sets MESHFERRY_EXAMPLE_SKIP_BUILD=1: dist/ is already built from this tree.
[ "${MESHFERRY_EXAMPLE_SKIP_BUILD:-}" = 1 ] || npm run --silent build
lab="$out/lab"
work="$out/tcm-exit"
mf() { node dist/cli/main.js "$@"; }
step() { printf '\n== %s\n' "$*" >&2; }

# A lab left by an earlier run of this script goes first: a fresh lab per run keeps the rehearsal repeatable.
if [ -f "$marker" ] && [ -f "$lab/kubeconfig" ]; then mf lab down --dir "$lab" >/dev/null 2>&1 || true; fi
if [ -f "$marker" ]; then rm -rf -- "$out"; fi
mkdir -p -- "$work"
: > "$marker"

step "1/8 lab up: tcm (1-18-5), primary and remote (1-31-1), a mesh root per cluster, a real Prometheus (first use builds the lab: ~30 min)"
mf lab up --dir "$lab" --clusters tcm,primary,remote --revisions tcm=1-18-5,primary=1-31-1,remote=1-31-1 --istiod-ca per-cluster --prometheus -o json > "$out/lab.json"
kubeconfig="$lab/kubeconfig"
prom=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).prometheus)' "$out/lab.json")
printf 'kubeconfig %s, contexts tcm primary remote; Prometheus %s\n' "$kubeconfig" "$prom" >&2
kubectl_bin=$(node -e 'import("./dist/lab/binaries.js").then(async (m) => process.stdout.write((await m.ensureLabBinaries({ build: false })).paths.kubectl))')
k() { local ctx="$1"; shift; "$kubectl_bin" --kubeconfig "$kubeconfig" --context "$ctx" "$@"; }
# kubectl apply, quiet: its warnings (deprecated EnvoyFilter names, last-applied annotations) go to a log, shown on failure.
ka() { local ctx="$1"; shift; k "$ctx" apply "$@" >>"$out/kubectl.log" 2>&1 || { cat "$out/kubectl.log" >&2; exit 1; }; }
traffic_pid=""
stop_traffic() { if [ -n "$traffic_pid" ]; then kill "$traffic_pid" 2>/dev/null || true; wait "$traffic_pid" 2>/dev/null || true; traffic_pid=""; fi; }
trap stop_traffic EXIT

step "2/8 seed tcm with the bundled export (examples/tcm-export, cleaned by neat)"
mf neat examples/tcm-export --output-dir "$out/1-neat" 2>/dev/null
# The export holds config, not everything a pod needs: the ServiceAccounts the Deployments name, and the TLS
# Secret's data (neat keeps a Secret's metadata only). Stand-ins for both, then the export itself.
for sa in shop/frontend payments/payments istio-system/istio-ingressgateway; do
  k tcm create namespace "${sa%%/*}" --dry-run=client -o yaml | ka tcm -f -
  k tcm -n "${sa%%/*}" create serviceaccount "${sa#*/}" --dry-run=client -o yaml | ka tcm -f -
done
tls_secret() {
  cat <<'EOF'
apiVersion: v1
kind: Secret
metadata: {name: shop-example-com, namespace: istio-system}
type: kubernetes.io/tls
stringData: {tls.crt: lab placeholder, tls.key: lab placeholder}
EOF
}
tls_secret | ka tcm -f -
find "$out/1-neat" -name '*.yaml' ! -path '*/secrets/*' | sort | while read -r f; do ka tcm -f "$f"; done
# The cloud load balancer in front of both gateways is two Services with ACK's CLB annotations: the old gateway's in
# tcm at weight 100, and the new one's in remote (what the install plan's gateway gets) at weight 0.
gateway_service() {
  cat <<EOF
apiVersion: v1
kind: Service
metadata:
  name: $1
  namespace: istio-system
  annotations:
    service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id: lb-shop
    service.beta.kubernetes.io/alibaba-cloud-loadbalancer-force-override-listeners: "false"
    service.beta.kubernetes.io/alibaba-cloud-loadbalancer-vgroup-port: "rsp-$1:80"
    service.beta.kubernetes.io/alibaba-cloud-loadbalancer-weight: "$2"
spec:
  type: LoadBalancer
  selector: {istio: ${1#istio-}}
  ports: [{name: http2, port: 80}]
EOF
}
gateway_service istio-ingressgateway 100 | ka tcm -f -
# The new mesh's side, as the install plan (examples/topology-tcm-replacement.yaml) leaves it: the ingress gateway
# istio-ingressgateway-new runs in remote, with the certificate its Gateway's credentialName names copied beside it.
k remote create namespace istio-system --dry-run=client -o yaml | ka remote -f -
gateway_service istio-ingressgateway-new 0 | ka remote -f -
k remote -n istio-system create deployment istio-ingressgateway-new --image=registry.example.com/istio-proxyv2:1.31.1 --dry-run=client -o yaml \
  | sed 's/app: istio-ingressgateway-new/istio: ingressgateway-new/' | ka remote -f -
tls_secret | ka remote -f -
k tcm get deploy -A
# The state before the move, to compare with afterwards (and with the state after a rollback).
mf export --kubeconfig "$kubeconfig" --context tcm -A --with-context --output-dir "$out/exports/tcm-before" 2>/dev/null

step "3/8 the migration files ($work/)"
cp -r "$out/1-neat" "$work/export"
rm -rf "$work/export/istio-system/secrets" "$work/export/istio-system/deployments"
cp examples/tcm-to-istio.rules.yaml "$work/rules.yaml"
cat > "$work/shop-ingress-shift.yaml" <<EOF
# The gradual cut of the TCM runbook: the CLB's weight moves from tcm's gateway to remote's, gated by Prometheus.
apiVersion: meshferry.dev/v1alpha1
kind: TrafficShift
metadata: {name: shop-ingress, namespace: istio-system}
spec:
  router:
    lbWeight:
      provider: ack
      from: {context: tcm, service: istio-system/istio-ingressgateway}
      to: {context: remote, configContext: primary, service: istio-system/istio-ingressgateway-new}
  steps: [25, 50, 100]
  interval: 5s                  # a real cut waits minutes per step
  gates:
    prometheus: {address: "$prom"}
    checks: [{metric: request-success-rate, min: 99}]
    window: 5s
  rollback: {mode: gradual, steps: [50, 0], interval: 2s}
EOF
migration() {
  cat <<EOF
apiVersion: meshferry.dev/v1alpha1
kind: MeshMigration
metadata: {name: $1}
spec:
  mode: CrossCluster
  source: {context: tcm, revision: 1-18-5, managed: tcm}
  target: {context: primary, revision: 1-31-1, clusters: [primary, remote]}
  config: {from: ./export, rules: ./rules.yaml, analyze: {failOn: Error}}
  workloads: {copy: true, secrets: false}
  prometheus: {address: "$prom"}
  callGraph: {window: 2m}
  finish:                        # a real run keeps the default window, 10m
    window: 10s
    oldGateways: [{context: tcm, workload: istio-system/istio-ingressgateway}]
  verify: {timeout: 5m}
  waves:
EOF
}
{ migration split-waves
  echo "  - {name: shop, namespaces: [shop], cluster: remote}"
  echo "  - {name: payments, namespaces: [payments], cluster: remote}"
} > "$work/split-waves.yaml"
{ migration tcm-exit
  echo "  - {name: shop, namespaces: [shop, payments], cluster: remote, shifts: [./shop-ingress-shift.yaml], scaleDownSource: {window: 10s}}"
} > "$work/tcm-exit.yaml"
ls "$work" >&2

step "4/8 traffic: lab traffic stands in for the data plane (the gateways, frontend-v1 calling payments), Prometheus scrapes it"
mf lab traffic --dir "$lab" "$work/shop-ingress-shift.yaml" --rps 40 --upstream shop/frontend-v1 \
  --cluster from=tcm,to=remote --call shop/frontend-v1=payments/payments > "$out/lab-traffic.log" 2>&1 &
traffic_pid=$!
printf 'waiting for Prometheus to see shop calling payments' >&2
for _ in $(seq 1 120); do
  if node -e '
    const u = new URL("/api/v1/query", process.argv[1]);
    u.searchParams.set("query", "sum(rate(istio_requests_total{source_workload_namespace=\"shop\",destination_workload_namespace=\"payments\"}[1m])) > 0");
    fetch(u).then((r) => r.json()).then((b) => process.exit(b.data?.result?.length ? 0 : 1), () => process.exit(1));' "$prom"; then break; fi
  kill -0 "$traffic_pid" 2>/dev/null || { echo; cat "$out/lab-traffic.log" >&2; exit 1; }
  printf '.' >&2; sleep 1
done
echo >&2

export KUBECONFIG="$kubeconfig" MESHFERRY_STATE_DIR="$out/state"
step "5/8 migrate plan: two waves would split shop from payments across two meshes whose roots differ (expected: exit 1)"
set +e
mf migrate plan "$work/split-waves.yaml"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "expected migrate plan to refuse the split (exit 1), got $code" >&2; exit 1; }
step "   migrate plan: one wave with both (expected: exit 0)"
mf migrate plan "$work/tcm-exit.yaml"

step "6/8 migrate apply: Init → Prepare (remote secret, config import) → the wave (namespaces, copies, ready, shift, scale-down) → Finished"
mf migrate apply "$work/tcm-exit.yaml"
mf migrate status tcm-exit --context primary

step "7/8 migrate finish: what is left of tcm, and the decommission runbook (nothing is removed without --execute)"
mf migrate finish tcm-exit --context primary --output-dir "$out"

step "8/8 the end state (exports of the three clusters in $out/exports/)"
stop_traffic
for c in tcm primary remote; do mf export --context "$c" -A --with-context --output-dir "$out/exports/$c-finished" 2>/dev/null; done
k tcm get deploy -n shop -o custom-columns=TCM:.metadata.name,REPLICAS:.spec.replicas
k remote get deploy -n shop -o custom-columns=REMOTE:.metadata.name,READY:.status.readyReplicas
k tcm -n istio-system get svc istio-ingressgateway -o jsonpath='{"tcm gateway weight: "}{.metadata.annotations.service\.beta\.kubernetes\.io/alibaba-cloud-loadbalancer-weight}{"\n"}'
k remote -n istio-system get svc istio-ingressgateway-new -o jsonpath='{"remote gateway weight: "}{.metadata.annotations.service\.beta\.kubernetes\.io/alibaba-cloud-loadbalancer-weight}{"\n"}'

printf '\nDone. Results are in %s/: DECOMMISSION.md, the migration files in tcm-exit/, exports/ (tcm before; each cluster after), the journal copy in state/.\n' "$out" >&2
printf 'The lab is still up. Look around, undo, then stop it:\n' >&2
printf '  export KUBECONFIG=%s MESHFERRY_STATE_DIR=%s\n' "$kubeconfig" "$out/state" >&2
printf '  node dist/cli/main.js migrate status tcm-exit --context primary\n' >&2
printf '  node dist/cli/main.js migrate rollback tcm-exit --context primary\n' >&2
printf '  node dist/cli/main.js lab down --dir %s\n' "$lab" >&2
