// Command crictl is a small subset of cri-tools' crictl for the e2e node image (cri-tools is not
// served by the Go module proxy here). kind calls `crictl inspecti` (kind load docker-image) and
// `crictl images` (kind export logs); ps and pods help when debugging a node.
//
//	crictl images [-q] | inspecti IMAGE... | ps [-a] [-q] | pods [-q] | version
//
// It talks CRI v1 over the endpoint in $CONTAINER_RUNTIME_ENDPOINT or
// unix:///run/containerd/containerd.sock. Built from the k8s-binaries module (same dependencies).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "crictl: "+format+"\n", args...)
	os.Exit(1)
}

func has(args []string, flags ...string) bool {
	for _, a := range args {
		for _, f := range flags {
			if a == f {
				return true
			}
		}
	}
	return false
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: crictl images [-q] | inspecti IMAGE... | ps [-a] [-q] | pods [-q] | version")
	}
	endpoint := os.Getenv("CONTAINER_RUNTIME_ENDPOINT")
	if endpoint == "" {
		endpoint = "unix:///run/containerd/containerd.sock"
	}
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail("connect %s: %v", endpoint, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	images := runtimeapi.NewImageServiceClient(conn)
	runtime := runtimeapi.NewRuntimeServiceClient(conn)
	cmd, args := os.Args[1], os.Args[2:]
	quiet := has(args, "-q", "--quiet")
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
	defer w.Flush()

	switch cmd {
	case "version":
		v, err := runtime.Version(ctx, &runtimeapi.VersionRequest{})
		if err != nil {
			fail("version: %v", err)
		}
		fmt.Printf("Version:  0.1.0\nRuntimeName:  %s\nRuntimeVersion:  %s\nRuntimeApiVersion:  %s\n",
			v.RuntimeName, v.RuntimeVersion, v.RuntimeApiVersion)
	case "images", "image", "img":
		r, err := images.ListImages(ctx, &runtimeapi.ListImagesRequest{})
		if err != nil {
			fail("list images: %v", err)
		}
		if !quiet {
			fmt.Fprintln(w, "IMAGE\tTAG\tIMAGE ID\tSIZE")
		}
		for _, img := range r.Images {
			if quiet {
				fmt.Fprintln(w, img.Id)
				continue
			}
			id := strings.TrimPrefix(img.Id, "sha256:")
			if len(id) > 13 {
				id = id[:13]
			}
			size := fmt.Sprintf("%.3gMB", float64(img.Size)/1e6)
			if len(img.RepoTags) == 0 {
				fmt.Fprintf(w, "<none>\t<none>\t%s\t%s\n", id, size)
			}
			for _, t := range img.RepoTags {
				i := strings.LastIndex(t, ":")
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t[:i], t[i+1:], id, size)
			}
		}
	case "inspecti":
		if len(args) == 0 {
			fail("inspecti: image name required")
		}
		for _, name := range args {
			r, err := images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: name}})
			if err != nil {
				fail("image status for %q: %v", name, err)
			}
			if r.Image == nil {
				fail("no such image %q present", name)
			}
			status, err := protojson.Marshal(r.Image)
			if err != nil {
				fail("%v", err)
			}
			out, _ := json.MarshalIndent(map[string]json.RawMessage{"status": status}, "", "  ")
			fmt.Println(string(out))
		}
	case "ps":
		filter := &runtimeapi.ContainerFilter{}
		if !has(args, "-a", "--all") {
			filter.State = &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}
		}
		r, err := runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: filter})
		if err != nil {
			fail("list containers: %v", err)
		}
		if !quiet {
			fmt.Fprintln(w, "CONTAINER\tIMAGE\tSTATE\tNAME\tATTEMPT\tPOD ID")
		}
		for _, c := range r.Containers {
			if quiet {
				fmt.Fprintln(w, c.Id)
				continue
			}
			fmt.Fprintf(w, "%.13s\t%s\t%s\t%s\t%d\t%.13s\n", c.Id, c.Image.GetImage(),
				strings.TrimPrefix(c.State.String(), "CONTAINER_"), c.Metadata.GetName(), c.Metadata.GetAttempt(), c.PodSandboxId)
		}
	case "pods":
		r, err := runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
		if err != nil {
			fail("list pods: %v", err)
		}
		if !quiet {
			fmt.Fprintln(w, "POD ID\tSTATE\tNAME\tNAMESPACE")
		}
		for _, p := range r.Items {
			if quiet {
				fmt.Fprintln(w, p.Id)
				continue
			}
			fmt.Fprintf(w, "%.13s\t%s\t%s\t%s\n", p.Id, strings.TrimPrefix(p.State.String(), "SANDBOX_"),
				p.Metadata.GetName(), p.Metadata.GetNamespace())
		}
	default:
		fail("unsupported command %q (this crictl implements images, inspecti, ps, pods, version)", cmd)
	}
}
