module localkube.example/fx

go 1.19
