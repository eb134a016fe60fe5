#!/usr/bin/env bash
# Builds the lab's real binaries (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd,
# kwok, istioctl, pilot-discovery) from their Go modules into a cache folder named after the pinned versions.
#
# Usage: lab/build.sh [--print-dir] [--gateway-api-dir] [--force] [--with-bench-tools]
#   --print-dir        print the cache folder and exit (builds nothing)
#   --gateway-api-dir  print the Gateway API CRD folder (standard channel) of the module Istio pins, downloading
#                      the module when missing, and exit (builds nothing)
#   --force            rebuild even when the binaries are cached
#   --with-bench-tools also build kubectl-neat (used only by bench/export)
# Env:  MESHFERRY_CACHE (default ~/.cache/meshferry), GOFLAGS/GOPROXY as usual.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_istio-${ISTIO_VERSION}"
cache="${MESHFERRY_CACHE:-$HOME/.cache/meshferry}/lab/$key"
bin="$cache/bin"
force=0 print=0 bench=0 gwapi=0
for a in "$@"; do
  case "$a" in
    --print-dir) print=1 ;;
    --gateway-api-dir) gwapi=1 ;;
    --force) force=1 ;;
    --with-bench-tools) bench=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "lab/build.sh: unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$print" = 1 ]; then echo "$cache"; exit 0; fi
command -v go >/dev/null || { echo "lab/build.sh: Go is not installed; the lab is built from Go modules (need Go >= 1.24)" >&2; exit 1; }
# moddir WRAPPER MODULE: the module's folder in the module cache, at the version the wrapper's go.mod pins.
# (`go list -m` would ask the proxy for the version's .info, which this proxy refuses for Istio's pseudo-versions.)
moddir() {
  local ver dir
  ver=$(awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$here/go/$1/go.mod")
  [ -n "$ver" ] || { echo "lab/build.sh: $2 is not pinned in lab/go/$1/go.mod" >&2; exit 1; }
  dir="$(go env GOMODCACHE)/$2@$ver"
  [ -d "$dir" ] || (cd "$here/go/$1" && go mod download "$2") >&2
  echo "$dir"
}

# The Gateway API CRDs are read from the module at lab start (src/lab/gateway-api.ts), never copied.
gwapi_dir() { echo "$(moddir istio sigs.k8s.io/gateway-api)/config/crd/standard"; }
if [ "$gwapi" = 1 ]; then gwapi_dir; exit 0; fi
mkdir -p "$bin" "$cache/istio" "$cache/kwok"
log() { printf '[lab build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# Staging folders of builds that were killed half-way; a running build holds a lock (below), so none is live.
exec 9>"$cache/.build.lock"
if ! flock -n 9; then
  log "another lab/build.sh is building into $cache; waiting for it"
  flock 9
fi
rm -rf "$bin"/.tmp.*
have() { local b; for b in "$@"; do [ -x "$bin/$b" ] || return 1; done; }

# build DIR "PKG..." "BIN..." LDFLAGS: one go build for several main packages, written atomically.
build() {
  local dir=$1 pkgs=$2 names=$3 ldflags=$4 tmp
  # shellcheck disable=SC2086
  if [ "$force" = 0 ] && have $names; then log "cached: $names"; return 0; fi
  tmp=$(mktemp -d "$bin/.tmp.XXXXXX")
  log "building $names (from lab/go/$(basename "$dir"))"
  local t0=$SECONDS
  # shellcheck disable=SC2086
  if ! (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp/" $pkgs); then
    rm -rf "$tmp"
    echo "lab/build.sh: building $names from lab/go/$(basename "$dir") failed (see the Go errors above)" >&2
    exit 1
  fi
  for n in $names; do mv -f "$tmp/$n" "$bin/$n"; done
  rm -rf "$tmp"
  log "built $names in $((SECONDS - t0))s"
}

kv="v${K8S_VERSION}"; kmaj=${K8S_VERSION%%.*}; kmin=${K8S_VERSION#*.}; kmin=${kmin%%.*}
kflags=""
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  kflags+=" -X $p.gitVersion=$kv -X $p.gitMajor=$kmaj -X $p.gitMinor=$kmin -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
build "$here/go/kube" "k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl" \
  "kube-apiserver kube-controller-manager kube-scheduler kubectl" "$kflags"
# go build names a /v3 module's binary after the element before the major version: "server".
if [ "$force" = 1 ] || ! have etcd; then
  build "$here/go/etcd" "go.etcd.io/etcd/server/v3" "server" ""
  mv -f "$bin/server" "$bin/etcd"
fi
build "$here/go/kwok" "sigs.k8s.io/kwok/cmd/kwok" "kwok" "-X sigs.k8s.io/kwok/pkg/consts.Version=v${KWOK_VERSION}"
iflags=""
for v in buildVersion=${ISTIO_VERSION} buildTag=${ISTIO_VERSION} buildStatus=Clean buildHub=docker.io/istio buildGitRevision=meshferry-lab; do
  iflags+=" -X istio.io/istio/pkg/version.$v"
done
build "$here/go/istio" "istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/istioctl/cmd/istioctl" "pilot-discovery istioctl" "$iflags"
if [ "$bench" = 1 ]; then
  build "$here/go/neat" "github.com/itaysk/kubectl-neat" "kubectl-neat" ""
fi

# The Istio CRDs and charts of the pinned release, straight from the module.
if [ "$force" = 1 ] || [ ! -s "$cache/istio/crd-all.gen.yaml" ]; then
  idir=$(moddir istio istio.io/istio)
  cp "$idir/manifests/charts/base/files/crd-all.gen.yaml" "$cache/istio/crd-all.gen.yaml.tmp"
  chmod 0644 "$cache/istio/crd-all.gen.yaml.tmp" # the module cache is read-only; the copy need not be
  mv -f "$cache/istio/crd-all.gen.yaml.tmp" "$cache/istio/crd-all.gen.yaml"
fi
# kwok's node and pod lifecycle Stages (what kwokctl installs by default: node-fast, node-heartbeat-with-lease,
# pod-fast), straight from the pinned kwok module, so fake nodes turn Ready and pods Running.
if [ "$force" = 1 ] || [ ! -s "$cache/kwok/stages.yaml" ]; then
  kdir=$(moddir kwok sigs.k8s.io/kwok)
  st="$kdir/kustomize/stage"
  for f in "$st/node/fast/node-initialize.yaml" "$st/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$st/pod/fast/pod-ready.yaml" "$st/pod/fast/pod-complete.yaml" "$st/pod/fast/pod-delete.yaml"; do
    printf -- '---\n'; cat "$f"
  done > "$cache/kwok/stages.yaml.tmp"
  mv -f "$cache/kwok/stages.yaml.tmp" "$cache/kwok/stages.yaml"
fi
# A cold machine gets the Gateway API module now, so lab start finds its CRDs.
gdir=$(gwapi_dir)
[ -s "$gdir/gateway.networking.k8s.io_httproutes.yaml" ] || { echo "lab/build.sh: no Gateway API CRDs in $gdir" >&2; exit 1; }
echo "$K8S_VERSION $ETCD_VERSION $KWOK_VERSION $ISTIO_VERSION" > "$cache/VERSIONS"
log "ready: $bin ($(du -sh "$cache" | cut -f1))"
echo "$cache"
