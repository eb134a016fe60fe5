module meshferry.dev/lab/neat

go 1.24.0
