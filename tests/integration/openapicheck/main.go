// openapicheck — checks docs/openapi.json for the integration tests with an OpenAPI
// implementation that shares no code with REMACTO: kin-openapi, offline from Debian
// (golang-github-getkin-kin-openapi-dev).
//
//	openapicheck validate SPEC              the document is valid OpenAPI 3.0, its examples
//	                                        included (they must match their schemas)
//	openapicheck documented SPEC DOC.md...  every route the prose documents ("GET /api/v1/…",
//	                                        "POST …") is a path of the description
//	openapicheck sources SPEC FILE.c...     every route literal in the daemon's sources
//	                                        ("/api/v1/…", "/logs/…") is, or begins, a path of
//	                                        the description: a new route cannot go undescribed
//	openapicheck responses SPEC BASEURL [-token FILE] PATH...
//	                                        GETs each PATH from a running node and validates
//	                                        status, content type and body against the
//	                                        description; prints "ok PATH" per answer
//
// Exit status 0 when everything checks, 1 with a message per problem otherwise.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "openapicheck: "+format+"\n", args...)
	os.Exit(1)
}

func load(path string) *openapi3.T {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		die("%s: %v", path, err)
	}
	return doc
}

// norm turns a route as written ("/logs/<slug>/tile/<L>/<N>[.p/<W>]",
// "/api/v1/compliance/<member>[.csv]", "/logs/{slug}/tile/{level}/{tile}") into one shape:
// every parameter "{}", no optional suffixes, no query string.
var (
	reOptional = regexp.MustCompile(`\[[^\]]*\]`)
	reParam    = regexp.MustCompile(`<[^>]*>|\{[^}]*\}`)
)

func norm(route string) string {
	route = reOptional.ReplaceAllString(route, "")
	if i := strings.IndexAny(route, "?#"); i >= 0 {
		route = route[:i]
	}
	route = strings.TrimSuffix(route, ".csv")
	route = reParam.ReplaceAllString(route, "{}")
	return route
}

func specRoutes(doc *openapi3.T) map[string]string {
	m := map[string]string{}
	for p := range doc.Paths {
		m[norm(p)] = p
	}
	return m
}

func validate(spec string) {
	doc := load(spec)
	if err := doc.Validate(context.Background()); err != nil {
		die("%s is not valid OpenAPI: %v", spec, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		die("%s: openapi %q, want 3.x", spec, doc.OpenAPI)
	}
	ops := 0
	for _, item := range doc.Paths {
		for _, op := range item.Operations() {
			ops++
			if op.Summary == "" || len(op.Responses) == 0 {
				die("%s: operation %s has no summary or no responses", spec, op.OperationID)
			}
		}
	}
	fmt.Printf("%s: valid OpenAPI %s, %d paths, %d operations, %d schemas\n", spec,
		doc.OpenAPI, len(doc.Paths), ops, len(doc.Components.Schemas))
}

var reDocRoute = regexp.MustCompile(`\b(GET|POST|HEAD) (/[A-Za-z0-9_./<>{}\[\]-]*)`)

func documented(spec string, files []string) {
	routes := specRoutes(load(spec))
	bad, seen := 0, map[string]bool{}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			die("%v", err)
		}
		for _, m := range reDocRoute.FindAllStringSubmatch(string(text), -1) {
			r := norm(m[2])
			if seen[r] {
				continue
			}
			seen[r] = true
			if _, ok := routes[r]; !ok {
				fmt.Fprintf(os.Stderr, "openapicheck: %s documents %s %s, which %s does not describe\n", f, m[1], m[2], spec)
				bad++
			}
		}
	}
	if bad > 0 || len(seen) == 0 {
		die("%d documented routes missing (of %d found)", bad, len(seen))
	}
	fmt.Printf("%d documented routes, all described\n", len(seen))
}

var reLiteral = regexp.MustCompile(`"(/(?:api/v1|logs|healthz|metrics)[A-Za-z0-9_./-]*)"`)

func sources(spec string, files []string) {
	doc := load(spec)
	var paths []string
	var patterns []*regexp.Regexp
	for p := range doc.Paths {
		paths = append(paths, p)
		parts := reParam.Split(p, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		patterns = append(patterns, regexp.MustCompile("^"+strings.Join(parts, "[^/]+")+"$"))
	}
	sort.Strings(paths)
	bad, n := 0, 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			die("%v", err)
		}
		for _, m := range reLiteral.FindAllStringSubmatch(string(text), -1) {
			lit := strings.TrimSuffix(m[1], ".csv")
			n++
			found := false
			for i, p := range paths {
				// a literal is a whole route (an example of one), or its fixed beginning
				if patterns[i].MatchString(lit) || strings.HasPrefix(p, strings.TrimSuffix(lit, "/")+"/") {
					found = true
					break
				}
			}
			if !found {
				fmt.Fprintf(os.Stderr, "openapicheck: %s routes %q, which %s does not describe\n", f, m[1], spec)
				bad++
			}
		}
	}
	if bad > 0 || n == 0 {
		die("%d route literals undescribed (of %d)", bad, n)
	}
	fmt.Printf("%d route literals in the sources, all described\n", n)
}

func responses(spec, base string, args []string) {
	doc := load(spec)
	token := ""
	if len(args) >= 2 && args[0] == "-token" {
		b, err := os.ReadFile(args[1])
		if err != nil {
			die("%v", err)
		}
		token = strings.TrimSpace(string(b))
		args = args[2:]
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	// examples are the validate command's business: here only the answers are checked
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		die("router: %v", err)
	}
	openapi3filter.RegisterBodyDecoder("text/csv", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (interface{}, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
	bad := 0
	for _, path := range args {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		if err != nil {
			die("%s: %v", path, err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			die("GET %s: %v", path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			die("GET %s: %v", path, err)
		}
		// the router matches the path alone; "X.csv" is X asked as CSV (API.md, CSV)
		u, _ := url.Parse(base + path)
		u.Path = strings.TrimSuffix(u.Path, ".csv")
		rreq := req.Clone(context.Background())
		rreq.URL = u
		route, params, err := router.FindRoute(rreq)
		if err != nil {
			fmt.Fprintf(os.Stderr, "openapicheck: GET %s: no route in %s: %v\n", path, spec, err)
			bad++
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: rreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		// a request made to provoke an error (limit=x) is not expected to match
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && resp.StatusCode < 400 {
			fmt.Fprintf(os.Stderr, "openapicheck: GET %s: the request does not match the description: %v\n", path, err)
			bad++
			continue
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
			Header: resp.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			fmt.Fprintf(os.Stderr, "openapicheck: GET %s: HTTP %d answer does not match the description: %v\n", path, resp.StatusCode, err)
			bad++
			continue
		}
		fmt.Printf("ok %s (HTTP %d, %s, %d bytes)\n", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if bad > 0 {
		die("%d answers do not match", bad)
	}
}

func main() {
	if len(os.Args) < 3 {
		die("usage: openapicheck validate|documented|sources|responses SPEC ...")
	}
	switch os.Args[1] {
	case "validate":
		validate(os.Args[2])
	case "documented":
		documented(os.Args[2], os.Args[3:])
	case "sources":
		sources(os.Args[2], os.Args[3:])
	case "responses":
		if len(os.Args) < 4 {
			die("responses SPEC BASEURL PATH...")
		}
		responses(os.Args[2], os.Args[3], os.Args[4:])
	default:
		die("unknown command %q", os.Args[1])
	}
}
