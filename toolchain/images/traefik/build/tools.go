//go:build tools

// Package tools pins the Traefik command so that `go mod tidy` keeps its requirements.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
