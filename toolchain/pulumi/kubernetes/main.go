// pulumi-resource-kubernetes for the localkube e2e toolchain: upstream's main, with the schema the
// provider module commits (copied next to this file by pulumi.sh) instead of the generated
// schema-embed.json, stamped with the provider version like upstream's generate.go does at release.
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var rawSchema []byte

//go:embed terraform-mapping.json
var rawMapping []byte

func main() {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(rawSchema, &spec); err != nil {
		fmt.Fprintf(os.Stderr, "cannot parse embedded schema: %v\n", err)
		os.Exit(1)
	}
	v, err := json.Marshal(version.Version)
	if err != nil {
		panic(err)
	}
	spec["version"] = v
	schema, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	var mapping bytes.Buffer
	if err := json.Compact(&mapping, rawMapping); err != nil {
		fmt.Fprintf(os.Stderr, "cannot parse embedded terraform mapping: %v\n", err)
		os.Exit(1)
	}
	provider.Serve("kubernetes", version.Version, schema, mapping.Bytes())
}
