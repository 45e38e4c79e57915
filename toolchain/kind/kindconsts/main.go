// Command kindconsts prints a string constant of kind's node image build package
// (sigs.k8s.io/kind/pkg/build/nodeimage): the default CNI and storage manifests and the
// images they reference are unexported constants there, so we type-check the two files
// that hold them and evaluate the constant.
//
// Usage: kindconsts KIND_NODEIMAGE_DIR NAME   (e.g. defaultCNIManifest, kindnetdImage)
package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: kindconsts KIND_NODEIMAGE_DIR NAME")
		os.Exit(2)
	}
	dir, name := os.Args[1], os.Args[2]
	fset := token.NewFileSet()
	var files []*ast.File
	for _, f := range []string{"const_cni.go", "const_storage.go"} {
		af, err := parser.ParseFile(fset, filepath.Join(dir, f), nil, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		files = append(files, af)
	}
	conf := types.Config{Importer: importer.Default()}
	pkg, err := conf.Check("nodeimage", fset, files, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	obj, ok := pkg.Scope().Lookup(name).(*types.Const)
	if !ok {
		fmt.Fprintf(os.Stderr, "no string constant %q in %s\n", name, dir)
		os.Exit(1)
	}
	fmt.Print(constant.StringVal(obj.Val()))
}
