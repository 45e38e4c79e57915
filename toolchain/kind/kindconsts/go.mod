module localkube.e2e/kindconsts

go 1.22
