module meshferry.dev/tools/istio-analyzer-grid

go 1.24
