// pulumi-language-nodejs for the localkube e2e toolchain.
//
// Why this exists: the upstream language host lives in its own untagged module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) and the filtered Go module
// proxy these machines reach serves no version of it. This is a small language host of our own,
// built only from the published github.com/pulumi/pulumi/sdk/v3 module. It implements what the
// engine needs to run a Node.js/TypeScript program: plugin discovery from node_modules, Run
// (delegating to the @pulumi/pulumi "cmd/run" entry point shipped in the npm package, i.e. the same
// code path as upstream), dependency installation, about/dependency listing. Everything else
// (codegen, packing, policy packs, RunPlugin for Node.js component providers) answers Unimplemented.
//
// The command line follows the engine's plugin contract: flags, then the engine address as the
// last positional argument; the chosen gRPC port is printed on stdout.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Exit code of @pulumi/pulumi's run script after it already showed the user an actionable error.
const exitAfterUserActionableMessage = 32

func main() {
	var tracing, root string
	var typescript bool
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.BoolVar(&typescript, "typescript", true, "Use ts-node at runtime to support TypeScript source natively")
	flag.StringVar(&root, "root", "", "Project root path to use (unused)")
	flag.Parse()
	logging.InitLogging(false, 0, false)

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not find node on the $PATH: %w", err))
	}

	host := &nodeHost{nodeBin: nodeBin, engineAddress: engineAddress, tracing: tracing, typescript: typescript}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	nodeBin    string
	tracing    string
	typescript bool

	mu            sync.Mutex
	engineAddress string
}

func (h *nodeHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *nodeHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (h *nodeHost) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// programDir picks the directory holding the program (and its node_modules).
func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if fallback != "" {
		return fallback
	}
	if info != nil {
		return info.GetRootDirectory()
	}
	return "."
}

// runtimeOptions reads the `runtime.options` of Pulumi.yaml that we honour.
type runtimeOptions struct {
	typescript     bool
	nodeargs       string
	tsconfig       string
	packagemanager string
}

func (h *nodeHost) options(info *pulumirpc.ProgramInfo) runtimeOptions {
	o := runtimeOptions{typescript: h.typescript}
	var opts map[string]*structpb.Value
	if info != nil && info.GetOptions() != nil {
		opts = info.GetOptions().GetFields()
	}
	if v, ok := opts["typescript"]; ok {
		if b, isBool := v.GetKind().(*structpb.Value_BoolValue); isBool {
			o.typescript = b.BoolValue
		}
	}
	o.nodeargs = opts["nodeargs"].GetStringValue()
	o.tsconfig = opts["tsconfig"].GetStringValue()
	o.packagemanager = opts["packagemanager"].GetStringValue()
	return o
}

// ---- plugin discovery -----------------------------------------------------------------------

type packageJSON struct {
	Name            string                   `json:"name"`
	Version         string                   `json:"version"`
	Pulumi          *plugin.PulumiPluginJSON `json:"pulumi"`
	Dependencies    map[string]string        `json:"dependencies"`
	DevDependencies map[string]string        `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// walkNodeModules visits every package.json below dir/node_modules (scoped and nested packages too).
func walkNodeModules(dir string, visit func(pkgDir string, p *packageJSON)) {
	seen := map[string]bool{}
	var walk func(nm string)
	walk = func(nm string) {
		entries, err := os.ReadDir(nm)
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			full := filepath.Join(nm, name)
			if strings.HasPrefix(name, "@") {
				scoped, err := os.ReadDir(full)
				if err != nil {
					continue
				}
				for _, s := range scoped {
					visitPkg(filepath.Join(full, s.Name()), seen, visit, walk)
				}
				continue
			}
			visitPkg(full, seen, visit, walk)
		}
	}
	walk(filepath.Join(dir, "node_modules"))
}

func visitPkg(pkgDir string, seen map[string]bool, visit func(string, *packageJSON), walk func(string)) {
	real, err := filepath.EvalSymlinks(pkgDir)
	if err != nil || seen[real] {
		return
	}
	seen[real] = true
	if p, err := readPackageJSON(filepath.Join(real, "package.json")); err == nil {
		visit(real, p)
	}
	walk(filepath.Join(real, "node_modules"))
}

func pluginName(p *packageJSON) string {
	if p.Pulumi.Name != "" {
		return p.Pulumi.Name
	}
	if strings.HasPrefix(p.Name, "@pulumi/") {
		return strings.TrimPrefix(p.Name, "@pulumi/")
	}
	return strings.TrimPrefix(p.Name, "@")
}

func pluginVersion(p *packageJSON) string {
	v := p.Pulumi.Version
	if v == "" {
		v = p.Version
	}
	if v != "" && !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return v
}

func (h *nodeHost) requiredPackages(dir string) []*pulumirpc.PackageDependency {
	uniq := map[string]*pulumirpc.PackageDependency{}
	walkNodeModules(dir, func(_ string, p *packageJSON) {
		if p.Pulumi == nil || !p.Pulumi.Resource {
			return
		}
		dep := &pulumirpc.PackageDependency{
			Kind:    "resource",
			Name:    pluginName(p),
			Version: pluginVersion(p),
			Server:  p.Pulumi.Server,
		}
		if par := p.Pulumi.Parameterization; par != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: par.Name, Version: par.Version, Value: par.Value,
			}
		}
		key := dep.Name + "@" + dep.Version
		if dep.Parameterization != nil {
			key += "/" + dep.Parameterization.Name + "@" + dep.Parameterization.Version
		}
		uniq[key] = dep
	})
	keys := make([]string, 0, len(uniq))
	for k := range uniq {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		out = append(out, uniq[k])
	}
	return out
}

func (h *nodeHost) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{
		Packages: h.requiredPackages(programDir(req.GetInfo(), "")),
	}, nil
}

func (h *nodeHost) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	for _, p := range h.requiredPackages(programDir(req.GetInfo(), req.GetProgram())) {
		if p.Parameterization != nil {
			continue // not expressible as a plain plugin
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// ---- running the program --------------------------------------------------------------------

// resolveRunScript finds @pulumi/pulumi's cmd/run entry point as seen from the program directory.
func (h *nodeHost) resolveRunScript(dir string) (string, error) {
	if p := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); p != "" {
		return p, nil
	}
	cmd := exec.Command(h.nodeBin, "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run'))")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("it looks like the Pulumi SDK has not been installed in %s. "+
			"Have you run npm install or yarn install? (%v: %s)", dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	opts := h.options(info)

	runPath, err := h.resolveRunScript(dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	var args []string
	if opts.nodeargs != "" {
		args = append(args, strings.Fields(opts.nodeargs)...)
	}
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engine())
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	if info != nil {
		add("root-directory", info.GetRootDirectory())
	}
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	program := "."
	if info != nil && info.GetEntryPoint() != "" {
		program = info.GetEntryPoint()
	} else if req.GetProgram() != "" {
		program = req.GetProgram()
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret configuration keys: %w", err)
	}

	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secrets),
	)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	logging.V(5).Infof("language host launching: %s %s", h.nodeBin, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, h.nodeBin, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---- dependencies, about --------------------------------------------------------------------

type streamWriter struct {
	send   func(*pulumirpc.InstallDependenciesResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	r := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		r = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	if err := w.send(r); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *nodeHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := programDir(req.GetInfo(), req.GetDirectory())
	if req.GetDirectory() != "" && req.GetInfo() == nil {
		dir = req.GetDirectory()
	}
	pm := npm.PackageManagerType(h.options(req.GetInfo()).packagemanager)
	if pm == "" {
		pm = npm.AutoPackageManager
	}
	var stdout, stderr io.Writer = streamWriter{send: server.Send}, streamWriter{send: server.Send, stderr: true}
	name, err := npm.Install(server.Context(), pm, dir, false /*production*/, stdout, stderr)
	if err != nil {
		return fmt.Errorf("%s install failed in %s: %w", name, dir, err)
	}
	return nil
}

func (h *nodeHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command(h.nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: h.nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "localkube-e2e minimal nodejs host"},
	}, nil
}

func (h *nodeHost) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetProgram())
	root, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for n := range root.Dependencies {
		wanted[n] = true
	}
	if req.GetTransitiveDependencies() {
		for n := range root.DevDependencies {
			wanted[n] = true
		}
	}
	var deps []*pulumirpc.DependencyInfo
	for n := range wanted {
		v := root.Dependencies[n]
		if p, err := readPackageJSON(filepath.Join(dir, "node_modules", n, "package.json")); err == nil {
			v = p.Version
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
