package main

// The deploy manifests (deploy/compose, deploy/k8s, deploy/kafka,
// deploy/clickhouse/cluster) are checked against the binary: every yuqing
// command line is run through the real dispatch and flag parsing (with -h
// appended, so nothing starts), every YUQING_* variable must name a flag of
// its subcommand, every config file is loaded as yuqing loads it, the
// probes hit /healthz and /readyz, topics.yaml names exactly the topics the
// code uses, and the ClickHouse cluster DDL matches chstore's migrations.
// TestDeployChecksCatchMistakes breaks the manifests on purpose, in memory,
// and expects each check to notice.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"yuqing/analyze"
	"yuqing/analyze/scheme"
	"yuqing/analyze/sentiment"
	"yuqing/cmd/yuqing/app"
	"yuqing/ingest/hotline"
	"yuqing/ingest/source"
	"yuqing/internal/eventlog"
	"yuqing/respond/auth"
	"yuqing/respond/desk"
	"yuqing/respond/handover"
	"yuqing/respond/incident"
	"yuqing/respond/llm"
	"yuqing/respond/policy"
	"yuqing/respond/report"
	"yuqing/respond/wording"
	"yuqing/respond/workorder"
)

// codeTopics is every event-log topic yuqing uses. A topic constant added
// anywhere in the code and missing here fails TestDeployTopicsAreTheCodes.
var codeTopics = []string{
	eventlog.TopicMentions, eventlog.TopicAnalyzed, eventlog.TopicDeadLetter,
	analyze.TopicEnriched, analyze.TopicTopics, analyze.TopicAlerts,
	scheme.Topic, sentiment.Topic,
	source.Topic, hotline.TopicIntake, workorder.Topic,
	incident.Topic, desk.Topic,
	auth.TopicUsers, auth.TopicSessions, auth.TopicAudit,
	policy.Topic, report.LogTopic, wording.Topic, handover.Topic,
}

// timeLimitedTopics may have a retention; every other topic is state or
// evidence and is kept forever (deploy/kafka/topics.yaml says why).
var timeLimitedTopics = map[string]bool{analyze.TopicEnriched: true, auth.TopicSessions: true, eventlog.TopicDeadLetter: true}

// serverRoles are the subcommands that run a long-lived server.
var serverRoles = map[string][]string{
	"serve": app.AllRoles, "ingest": {app.RoleIngest}, "analyze": {app.RoleAnalyze},
	"enrich": {app.RoleEnrich}, "track": {app.RoleTrack}, "respond": {app.RoleRespond},
}

func TestDeployManifests(t *testing.T) {
	files := loadDeployFiles(t)
	for _, p := range checkDeploy(files) {
		t.Error(p)
	}
}

// The topic constants in the code are exactly codeTopics.
func TestDeployTopicsAreTheCodes(t *testing.T) {
	found := map[string]string{} // value → where
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); vs.Type != nil && !(ok && id.Name == "string") {
					continue // a typed constant (analytics.ByTopic) is no topic name
				}
				for i, name := range vs.Names {
					n := name.Name
					if !ast.IsExported(n) || strings.HasPrefix(n, "Type") || !(strings.HasPrefix(n, "Topic") || strings.HasSuffix(n, "Topic")) || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					found[v] = p + ": " + n
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for v, where := range found {
		if !slices.Contains(codeTopics, v) {
			t.Errorf("topic constant %s = %q is not in codeTopics (deploy_test.go): add it there and to deploy/kafka/topics.yaml and create-topics.sh", where, v)
		}
	}
	for _, v := range codeTopics {
		if _, ok := found[v]; !ok {
			t.Errorf("codeTopics names %q, but no topic constant holds it", v)
		}
	}
}

// Each check fails when a manifest is broken on purpose.
func TestDeployChecksCatchMistakes(t *testing.T) {
	files := loadDeployFiles(t)
	type edit struct{ file, old, new string }
	cases := []struct {
		name, file, old, new, want string
		more                       []edit // further edits, for a mistake made in two files
	}{
		{"yaml syntax", "deploy/compose/docker-compose.yml", "services:\n", "services: [\n", "deploy/compose/docker-compose.yml", nil},
		{"unknown subcommand", "deploy/compose/docker-compose.yml", `command: ["enrich",`, `command: ["enrichh",`, `"enrichh" is not a yuqing subcommand`, nil},
		{"misspelled flag", "deploy/k8s/respond.yaml", `"--respond-config", "/etc/yuqing/respond.yaml"`, `"--respond-cfg", "/etc/yuqing/respond.yaml"`, "flag provided but not defined: -respond-cfg", nil},
		{"flag of another subcommand", "deploy/compose/docker-compose.yml", `command: ["track", "--config", "/etc/yuqing/yuqing.yaml"]`, `command: ["track", "--config", "/etc/yuqing/yuqing.yaml", "--hotline", "x.csv"]`, "flag provided but not defined: -hotline", nil},
		{"misspelled variable", "deploy/k8s/enrich.yaml", "name: YUQING_METRICS_TOKEN", "name: YUQING_METRIC_TOKEN", "YUQING_METRIC_TOKEN", nil},
		{"variable of another subcommand", "deploy/compose/docker-compose.yml", "      YUQING_CH_PASSWORD: ${YUQING_CH_PASSWORD:?copy env.example to .env and fill it in}\n    deploy: {replicas: 2}", "      YUQING_CH_PASSWORD: ${YUQING_CH_PASSWORD:?copy env.example to .env and fill it in}\n      YUQING_FILE: x.jsonl\n    deploy: {replicas: 2}", "YUQING_FILE", nil},
		{"unknown config key", "deploy/k8s/configmap.yaml", "ch_user: yuqing", "ch_username: yuqing", "ch_username", nil},
		{"compose config key", "deploy/compose/yuqing.yaml", "ch_user: yuqing", "clickhouse_user: yuqing", "clickhouse_user", nil},
		{"embedded log", "deploy/compose/yuqing.yaml", "log: kafka", "log: sqlite", "log kafka", nil},
		{"readiness path", "deploy/k8s/track.yaml", "path: /readyz", "path: /ready", "readiness", nil},
		{"liveness path", "deploy/k8s/ingest.yaml", "httpGet: {path: /healthz, port: http}\n            periodSeconds: 10", "httpGet: {path: /readyz, port: http}\n            periodSeconds: 10", "liveness", nil},
		{"probe port", "deploy/k8s/enrich.yaml", "httpGet: {path: /readyz, port: http}", "httpGet: {path: /readyz, port: metrics}", "readiness", nil},
		{"compose health check", "deploy/compose/docker-compose.yml", "http://127.0.0.1:8080/readyz", "http://127.0.0.1:8080/status", "health check", nil},
		{"unmounted file", "deploy/k8s/respond.yaml", `"/etc/yuqing/respond.yaml"]`, `"/etc/yuqing/respond2.yaml"]`, "not mounted", nil},
		{"bad respond config", "deploy/k8s/secret.yaml", "    routes:\n", "    routez:\n", "respond config", nil},
		{"missing secret key", "deploy/k8s/track.yaml", "key: ch-password", "key: clickhouse-password", "clickhouse-password", nil},
		{"respond x2", "deploy/k8s/respond.yaml", "  replicas: 1\n", "  replicas: 2\n", "respond", nil},
		{"respond rolling", "deploy/k8s/respond.yaml", "strategy: {type: Recreate}", "strategy: {type: RollingUpdate}", "Recreate", nil},
		{"sources x2", "deploy/compose/docker-compose.yml", "    deploy: {replicas: 1}\n\n  # Enrichment", "    deploy: {replicas: 2}\n\n  # Enrichment", "pull sources", nil},
		{"sources in the shared config", "deploy/compose/yuqing.yaml", "ch_user: yuqing\n", "ch_user: yuqing\nsources: [{name: x, type: rss, url: 'https://a.example/feed', platform: weibo}]\n", "pull sources", nil},
		{"sources file unmounted", "deploy/k8s/ingest-sources.yaml", "{key: sources.yaml, path: sources.yaml}", "{key: sources.yaml, path: sources2.yaml}", "not mounted", nil},
		{"track alone", "deploy/k8s/track.yaml", "  replicas: 2\n", "  replicas: 1\n", "track", nil},
		{"enrich beyond partitions", "deploy/compose/docker-compose.yml", "command: [\"enrich\", \"--config\", \"/etc/yuqing/yuqing.yaml\"]\n    environment:\n      YUQING_METRICS_TOKEN: ${YUQING_METRICS_TOKEN:?copy env.example to .env and fill it in}\n    deploy: {replicas: 2}", "command: [\"enrich\", \"--config\", \"/etc/yuqing/yuqing.yaml\"]\n    environment:\n      YUQING_METRICS_TOKEN: ${YUQING_METRICS_TOKEN:?copy env.example to .env and fill it in}\n    deploy: {replicas: 7}", "enrich", nil},
		{"analyze beside enrich", "deploy/compose/docker-compose.yml", `command: ["track",`, `command: ["analyze",`, "analyze", nil},
		{"track PDB", "deploy/k8s/track.yaml", "  minAvailable: 1\n", "  maxUnavailable: 1\n", "PodDisruptionBudget", nil},
		{"no enrich PDB", "deploy/k8s/enrich.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgetX", "PodDisruptionBudget", nil},
		{"service port", "deploy/k8s/respond.yaml", "port: 80, targetPort: http}", "port: 80, targetPort: metrics}", "Service", nil},
		{"metrics open", "deploy/k8s/networkpolicy.yaml", "        - {protocol: TCP, port: 9464}", "        - {protocol: TCP, port: 9465}", "9464", nil},
		{"no topic wait", "deploy/k8s/ingest.yaml", "create-topics.sh --check", "create-topics.sh --chek", "wait", nil},
		{"topic missing", "deploy/kafka/topics.yaml", "  - name: handovers ", "  - name: handover ", "topic handovers, which the code uses, has no spec",
			[]edit{{"deploy/kafka/create-topics.sh", "handovers 6 -1 delete\n", "handover 6 -1 delete\n"}}},
		{"enriched partitions", "deploy/kafka/topics.yaml", "  - name: enriched            # mention.enriched.v1: written by enrich, read by track (group track: one owner, standbys)\n    partitions: 1", "  - name: enriched            # mention.enriched.v1: written by enrich, read by track (group track: one owner, standbys)\n    partitions: 6", "topic enriched has 6 partitions; it must have ONE",
			[]edit{{"deploy/kafka/create-topics.sh", "enriched 1 604800000 delete", "enriched 6 604800000 delete"}}},
		{"state topic expires", "deploy/kafka/topics.yaml", "  - name: incidents           # incidents, clocks, statements (desk); replayed on start\n    partitions: 6\n    replication: 3\n    min_insync_replicas: 2\n    retention_ms: -1", "  - name: incidents           # incidents, clocks, statements (desk); replayed on start\n    partitions: 6\n    replication: 3\n    min_insync_replicas: 2\n    retention_ms: 604800000", "topic incidents: retention_ms 604800000",
			[]edit{{"deploy/kafka/create-topics.sh", "incidents 6 -1 delete", "incidents 6 604800000 delete"}}},
		{"partitions unlike the config", "deploy/kafka/topics.yaml", "  - name: audit               # audit.recorded.v1: who did what in the console\n    partitions: 6", "  - name: audit               # audit.recorded.v1: who did what in the console\n    partitions: 3", "topics.yaml gives audit 3",
			[]edit{{"deploy/kafka/create-topics.sh", "audit 6 -1 delete", "audit 3 -1 delete"}}},
		{"compaction", "deploy/kafka/topics.yaml", "  - name: sources             # pull sources' cursors and health, keyed by source name; replayed on start (cursors), read by the desk (group desk-sources)\n    partitions: 6\n    replication: 3\n    min_insync_replicas: 2\n    retention_ms: -1          # a cursor is state: lose it and a source re-reads or skips\n    cleanup_policy: delete", "  - name: sources             # pull sources' cursors and health, keyed by source name; replayed on start (cursors), read by the desk (group desk-sources)\n    partitions: 6\n    replication: 3\n    min_insync_replicas: 2\n    retention_ms: -1          # a cursor is state: lose it and a source re-reads or skips\n    cleanup_policy: compact", "topic sources: cleanup_policy",
			[]edit{{"deploy/kafka/create-topics.sh", "sources 6 -1 delete", "sources 6 -1 compact"}}},
		{"script table", "deploy/kafka/create-topics.sh", "analyzed 1 -1 delete", "analyzed 1 604800000 delete", "create-topics.sh", nil},
		{"script copy", "deploy/k8s/topics-job.yaml", "MAX_MESSAGE_BYTES=1048588", "MAX_MESSAGE_BYTES=2048588", "deploy/kafka/create-topics.sh", nil},
		{"job brokers", "deploy/k8s/topics-job.yaml", `- {name: BOOTSTRAP, value: "kafka-kafka-0`, `- {name: BOOTSTRAP, value: "kafka-kafka-9`, "BOOTSTRAP", nil},
		{"min ISR", "deploy/compose/docker-compose.yml", "KAFKA_MIN_INSYNC_REPLICAS: 2", "KAFKA_MIN_INSYNC_REPLICAS: 1", "min.insync.replicas", nil},
		{"message size", "deploy/compose/docker-compose.yml", "KAFKA_MESSAGE_MAX_BYTES: 1048588", "KAFKA_MESSAGE_MAX_BYTES: 900000", "message.max.bytes", nil},
		{"yuqing before topics", "deploy/compose/docker-compose.yml", "  depends_on:\n    topic-init: {condition: service_completed_successfully}\n\nservices:", "\nservices:", "topic-init", nil},
		{"cluster column", "deploy/clickhouse/cluster/schema.sql", "    schemes         Array(String)\n) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/mentions_local'", ") ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/yuqing/mentions_local'", "mentions_local", nil},
		{"cluster engine", "deploy/clickhouse/cluster/schema.sql", "'{replica}', updated_ns)", "'{replica}')", "topics_local", nil},
		{"cluster distributed", "deploy/clickhouse/cluster/schema.sql", "CREATE TABLE IF NOT EXISTS yuqing.topics ON CLUSTER", "CREATE TABLE IF NOT EXISTS yuqing.topics_all ON CLUSTER", "Distributed table topics", nil},
		{"cluster migration record", "deploy/clickhouse/cluster/schema.sql", ",\n    (2, 'analysis', now())", "", "migration 2", nil},
		{"cluster profile", "deploy/clickhouse/cluster/users.d/yuqing.xml", "<distributed_product_mode>local</distributed_product_mode>", "", "distributed_product_mode", nil},
		{"kustomization", "deploy/k8s/kustomization.yaml", "  - track.yaml\n", "", "track.yaml", nil},
	}
	if problems := checkDeploy(files); len(problems) > 0 {
		t.Fatalf("the manifests have problems already (see TestDeployManifests):\n%s", strings.Join(problems, "\n"))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := cloneFiles(files)
			for _, e := range append([]edit{{c.file, c.old, c.new}}, c.more...) {
				if !bytes.Contains(broken[e.file], []byte(e.old)) {
					t.Fatalf("%s does not contain %q (update the case)", e.file, e.old)
				}
				broken[e.file] = bytes.Replace(broken[e.file], []byte(e.old), []byte(e.new), 1)
			}
			problems := checkDeploy(broken)
			for _, p := range problems {
				if strings.Contains(p, c.want) {
					return
				}
			}
			t.Errorf("breaking %s (%q → %q) was not reported as %q; problems:\n%s", c.file, c.old, c.new, c.want, strings.Join(problems, "\n"))
		})
	}
}

func cloneFiles(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// loadDeployFiles reads every file under deploy/, keyed by its path from the
// repository root ("deploy/k8s/ingest.yaml").
func loadDeployFiles(t *testing.T) map[string][]byte {
	t.Helper()
	root := filepath.Join("..", "..")
	files := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(root, "deploy"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil || info.Size() > 4<<20 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// ---- the checks

type problems []string

func (ps *problems) add(format string, args ...any) { *ps = append(*ps, fmt.Sprintf(format, args...)) }

// workload is one yuqing process of a manifest: a compose service or a
// Kubernetes container.
type workload struct {
	platform  string // "compose" or "k8s"
	where     string // file and name, for messages
	name      string // service or Deployment
	kind      string // Deployment, Job, … ("service" in compose)
	init      bool   // a Kubernetes init container
	image     string
	argv      []string          // after the binary: subcommand and flags
	env       map[string]string // variables, with placeholders for secrets
	mounts    map[string][]byte // files mounted into the container, by path
	replicas  int
	strategy  string            // Kubernetes Deployment strategy type
	labels    map[string]string // pod labels
	ports     map[string]int    // container ports by name
	probes    map[string]probe  // liveness, readiness, startup
	health    []string          // compose health check
	initCmds  []string          // the init containers' command lines, joined
	dependsOn map[string]string // compose: service → condition
	cfg       *app.Config       // loaded config, for server roles
}

type probe struct {
	path string
	port any // int or a port name
}

func (w *workload) isYuqing() bool { return strings.Contains(w.image, "yuqing") }

func (w *workload) sub() string {
	if len(w.argv) == 0 {
		return ""
	}
	return w.argv[0]
}

func checkDeploy(files map[string][]byte) []string {
	var ps problems
	spec := checkTopicSpec(files, &ps)
	docs := map[string][]map[string]any{} // file → documents
	for name, b := range files {
		if !(strings.HasPrefix(name, "deploy/compose/") || strings.HasPrefix(name, "deploy/k8s/")) ||
			!(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc map[string]any
			err := dec.Decode(&doc)
			if err == io.EOF {
				break
			}
			if err != nil {
				ps.add("%s: not YAML: %v", name, err)
				break
			}
			if doc != nil {
				docs[name] = append(docs[name], doc)
			}
		}
	}
	tmp, err := os.MkdirTemp("", "yuqing-deploy-test")
	if err != nil {
		ps.add("temp dir: %v", err)
		return ps
	}
	defer os.RemoveAll(tmp)

	compose := composeWorkloads(files, docs, &ps)
	k8s := k8sWorkloads(docs, &ps)
	script := files["deploy/kafka/create-topics.sh"]
	for _, ws := range [][]*workload{compose, k8s} {
		for _, w := range ws {
			checkWorkload(w, tmp, script, &ps)
		}
	}
	checkTopology("compose", compose, spec, &ps)
	checkTopology("k8s", k8s, spec, &ps)
	checkComposeKafka(compose, spec, &ps)
	checkK8sObjects(k8s, docs, &ps)
	checkKustomization(files, docs, &ps)
	checkClickHouseCluster(files, &ps)
	sort.Strings(ps)
	return ps
}

// ---- topics

type topicSpec struct {
	Name              string `yaml:"name"`
	Partitions        int    `yaml:"partitions"`
	Replication       int    `yaml:"replication"`
	MinInsyncReplicas int    `yaml:"min_insync_replicas"`
	RetentionMS       int64  `yaml:"retention_ms"`
	CleanupPolicy     string `yaml:"cleanup_policy"`
	MaxMessageBytes   int64  `yaml:"max_message_bytes"`
}

func checkTopicSpec(files map[string][]byte, ps *problems) map[string]topicSpec {
	const file = "deploy/kafka/topics.yaml"
	var doc struct {
		Topics []topicSpec `yaml:"topics"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(files[file]))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		ps.add("%s: %v", file, err)
		return nil
	}
	batch := kafkalogBatchBytes(ps)
	spec := map[string]topicSpec{}
	for _, tp := range doc.Topics {
		if _, dup := spec[tp.Name]; dup {
			ps.add("%s: topic %s twice", file, tp.Name)
		}
		spec[tp.Name] = tp
		if !slices.Contains(codeTopics, tp.Name) {
			ps.add("%s: topic %s is not one the code uses", file, tp.Name)
		}
		if tp.Partitions < 1 || tp.Replication != 3 || tp.MinInsyncReplicas != 2 {
			ps.add("%s: topic %s: partitions %d, replication %d, min_insync_replicas %d; want at least 1, 3 and 2", file, tp.Name, tp.Partitions, tp.Replication, tp.MinInsyncReplicas)
		}
		if tp.CleanupPolicy != "delete" {
			ps.add("%s: topic %s: cleanup_policy %q; compaction keeps only a key's last event, and several event types share a key", file, tp.Name, tp.CleanupPolicy)
		}
		switch {
		case tp.RetentionMS == -1:
		case tp.RetentionMS > 0 && timeLimitedTopics[tp.Name]:
		default:
			ps.add("%s: topic %s: retention_ms %d; it is state or evidence (replayed from its start), keep it: -1", file, tp.Name, tp.RetentionMS)
		}
		if tp.MaxMessageBytes < batch {
			ps.add("%s: topic %s: max_message_bytes %d is below yuqing's producer batch of %d bytes (kafkalog BatchBytes)", file, tp.Name, tp.MaxMessageBytes, batch)
		}
	}
	for _, name := range codeTopics {
		if _, ok := spec[name]; !ok {
			ps.add("%s: topic %s, which the code uses, has no spec", file, name)
		}
	}
	for _, name := range append([]string{analyze.TopicEnriched, eventlog.TopicAnalyzed}, analyze.SinglePartition...) {
		if tp, ok := spec[name]; ok && tp.Partitions != 1 {
			ps.add("%s: topic %s has %d partitions; it must have ONE (its order is the tracker's)", file, name, tp.Partitions)
		}
	}

	// create-topics.sh carries the same table.
	const sfile = "deploy/kafka/create-topics.sh"
	s := string(files[sfile])
	m := regexp.MustCompile(`(?s)\nTOPICS='\n(.*?)\n'`).FindStringSubmatch(s)
	if m == nil {
		ps.add("%s: no TOPICS='…' table", sfile)
		return spec
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(m[1], "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 {
			ps.add("%s: line %q is not NAME PARTITIONS RETENTION_MS CLEANUP", sfile, line)
			continue
		}
		seen[f[0]] = true
		tp, ok := spec[f[0]]
		if !ok {
			ps.add("%s: topic %s is not in %s", sfile, f[0], file)
			continue
		}
		if want := fmt.Sprintf("%s %d %d %s", tp.Name, tp.Partitions, tp.RetentionMS, tp.CleanupPolicy); strings.Join(f, " ") != want {
			ps.add("%s: %q, but %s says %q", sfile, strings.Join(f, " "), file, want)
		}
	}
	for name := range spec {
		if !seen[name] {
			ps.add("%s: topic %s of %s is missing", sfile, name, file)
		}
	}
	for _, tp := range spec {
		for _, kv := range []string{fmt.Sprintf("MAX_MESSAGE_BYTES=%d\n", tp.MaxMessageBytes), fmt.Sprintf("MIN_INSYNC_REPLICAS=%d\n", tp.MinInsyncReplicas), fmt.Sprintf("REPLICATION=${REPLICATION:-%d}\n", tp.Replication)} {
			if !strings.Contains(s, kv) {
				ps.add("%s: no %q as %s says for %s", sfile, strings.TrimSpace(kv), file, tp.Name)
			}
		}
	}
	return spec
}

// kafkalogBatchBytes is kafkalog's default BatchBytes, read from its source.
func kafkalogBatchBytes(ps *problems) int64 {
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "eventlog", "kafkalog", "kafkalog.go"))
	if err != nil {
		ps.add("reading kafkalog: %v", err)
		return 0
	}
	m := regexp.MustCompile(`c\.BatchBytes = ([0-9_]+)`).FindSubmatch(b)
	if m == nil {
		ps.add("kafkalog.go: default BatchBytes not found (update deploy_test.go)")
		return 0
	}
	n, _ := strconv.ParseInt(strings.ReplaceAll(string(m[1]), "_", ""), 10, 64)
	return n
}

// ---- reading manifests

func ymap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func ylist(v any) []any         { l, _ := v.([]any); return l }
func ystr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
func yat(v any, keys ...string) any {
	for _, k := range keys {
		v = ymap(v)[k]
	}
	return v
}
func ystrs(v any) []string {
	var out []string
	for _, x := range ylist(v) {
		out = append(out, ystr(x))
	}
	return out
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|:?\?[^}]*)?\}`)

// composeValue replaces ${VAR:-default} by the default, other ${…} by a
// placeholder: the secrets come from .env.
func composeValue(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		sm := interpolation.FindStringSubmatch(m)
		if sm[2] != "" && sm[3] != "" {
			return sm[3]
		}
		return "placeholder"
	})
}

func composeWorkloads(files map[string][]byte, docs map[string][]map[string]any, ps *problems) []*workload {
	const file = "deploy/compose/docker-compose.yml"
	ds := docs[file]
	if len(ds) != 1 {
		ps.add("%s: want one document, got %d", file, len(ds))
		return nil
	}
	var out []*workload
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range ymap(ds[0]["services"]) {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		svc := ymap(ymap(ds[0]["services"])[name])
		w := &workload{platform: "compose", where: file + " service " + name, name: name, kind: "service",
			image: ystr(svc["image"]), env: map[string]string{}, mounts: map[string][]byte{}, replicas: 1, dependsOn: map[string]string{}}
		if r := yat(svc, "deploy", "replicas"); r != nil {
			w.replicas, _ = strconv.Atoi(ystr(r))
		}
		switch e := svc["environment"].(type) {
		case map[string]any:
			for k, v := range e {
				w.env[k] = composeValue(ystr(v))
			}
		case []any:
			for _, kv := range e {
				k, v, _ := strings.Cut(ystr(kv), "=")
				w.env[k] = composeValue(v)
			}
		}
		for _, v := range ylist(svc["volumes"]) {
			var src, dst string
			if m := ymap(v); m != nil {
				if ystr(m["type"]) != "bind" {
					continue
				}
				src, dst = ystr(m["source"]), ystr(m["target"])
			} else {
				parts := strings.Split(ystr(v), ":")
				if len(parts) < 2 || !(strings.HasPrefix(parts[0], ".") || strings.HasPrefix(parts[0], "/")) {
					continue // a named volume
				}
				src, dst = parts[0], parts[1]
			}
			rel := path.Clean(path.Join(path.Dir(file), src))
			b, ok := files[rel]
			if !ok {
				ps.add("%s: bind mount source %s (%s) does not exist", w.where, src, rel)
				continue
			}
			w.mounts[dst] = b
		}
		cmd := splitCommand(svc["command"])
		if ep := splitCommand(svc["entrypoint"]); len(ep) > 0 {
			cmd = append(ep, cmd...)
			if w.isYuqing() {
				if path.Base(ep[0]) != "yuqing" {
					ps.add("%s: entrypoint %q is not the yuqing binary", w.where, ep[0])
				}
				cmd = cmd[1:]
			}
		}
		w.argv = cmd
		w.health = splitCommand(yat(svc, "healthcheck", "test"))
		switch d := svc["depends_on"].(type) {
		case []any:
			for _, s := range d {
				w.dependsOn[ystr(s)] = "service_started"
			}
		case map[string]any:
			for s, c := range d {
				w.dependsOn[s] = ystr(yat(c, "condition"))
			}
		}
		out = append(out, w)
	}
	return out
}

func splitCommand(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		return ystrs(x)
	}
	return nil
}

// k8sObjects indexes the Kubernetes objects by kind and name.
func k8sObjects(docs map[string][]map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for file, ds := range docs {
		if !strings.HasPrefix(file, "deploy/k8s/") {
			continue
		}
		for _, d := range ds {
			if k := ystr(d["kind"]); k != "" {
				d["__file"] = file
				out[k+"/"+ystr(yat(d, "metadata", "name"))] = d
			}
		}
	}
	return out
}

// secretValue is a key of a ConfigMap or Secret of the manifests.
func secretValue(objs map[string]map[string]any, kind, name, key string) (string, bool) {
	o := objs[kind+"/"+name]
	if o == nil {
		return "", false
	}
	if v, ok := ymap(o["data"])[key]; ok {
		if kind == "Secret" {
			b, err := base64.StdEncoding.DecodeString(ystr(v))
			return string(b), err == nil
		}
		return ystr(v), true
	}
	if v, ok := ymap(o["stringData"])[key]; ok {
		return ystr(v), true
	}
	return "", false
}

func k8sWorkloads(docs map[string][]map[string]any, ps *problems) []*workload {
	objs := k8sObjects(docs)
	var out []*workload
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range objs {
			if !yield(k) {
				return
			}
		}
	})
	for _, key := range keys {
		o := objs[key]
		kind, name, file := ystr(o["kind"]), ystr(yat(o, "metadata", "name")), ystr(o["__file"])
		var tmpl any
		switch kind {
		case "Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet":
			tmpl = yat(o, "spec", "template")
		case "CronJob":
			tmpl = yat(o, "spec", "jobTemplate", "spec", "template")
		default:
			continue
		}
		replicas := 1
		if r := yat(o, "spec", "replicas"); r != nil {
			replicas, _ = strconv.Atoi(ystr(r))
		}
		pod := ymap(yat(tmpl, "spec"))
		labels := map[string]string{}
		for k, v := range ymap(yat(tmpl, "metadata", "labels")) {
			labels[k] = ystr(v)
		}
		volumes := map[string]map[string][]byte{} // volume → file → content
		for _, v := range ylist(pod["volumes"]) {
			vname := ystr(yat(v, "name"))
			files := map[string][]byte{}
			volumes[vname] = files
			var sources []any
			for _, k := range []string{"configMap", "secret"} {
				if s := ymap(v)[k]; s != nil {
					sources = append(sources, map[string]any{k: s})
				}
			}
			sources = append(sources, ylist(yat(v, "projected", "sources"))...)
			for _, s := range sources {
				okind, src := "ConfigMap", ymap(ymap(s)["configMap"])
				oname := ystr(src["name"])
				if src == nil {
					okind, src = "Secret", ymap(ymap(s)["secret"])
					oname = ystr(src["secretName"])
					if oname == "" {
						oname = ystr(src["name"])
					}
				}
				if src == nil {
					continue
				}
				obj := objs[okind+"/"+oname]
				if obj == nil {
					ps.add("%s %s %s: volume %s: %s %s is not in deploy/k8s", file, kind, name, vname, okind, oname)
					continue
				}
				if items := ylist(src["items"]); len(items) > 0 {
					for _, it := range items {
						val, ok := secretValue(objs, okind, oname, ystr(yat(it, "key")))
						if !ok {
							ps.add("%s %s %s: volume %s: %s %s has no key %s", file, kind, name, vname, okind, oname, ystr(yat(it, "key")))
						}
						files[ystr(yat(it, "path"))] = []byte(val)
					}
					continue
				}
				for _, field := range []string{"data", "stringData"} {
					for k := range ymap(obj[field]) {
						val, _ := secretValue(objs, okind, oname, k)
						files[k] = []byte(val)
					}
				}
			}
		}
		var initCmds []string
		for _, c := range ylist(pod["initContainers"]) {
			initCmds = append(initCmds, strings.Join(append(ystrs(yat(c, "command")), ystrs(yat(c, "args"))...), " "))
		}
		for _, group := range []string{"initContainers", "containers"} {
			for _, c := range ylist(pod[group]) {
				cname := ystr(yat(c, "name"))
				w := &workload{platform: "k8s", where: fmt.Sprintf("%s %s %s container %s", file, kind, name, cname), name: name, kind: kind,
					init: group == "initContainers", image: ystr(yat(c, "image")), env: map[string]string{}, mounts: map[string][]byte{},
					replicas: replicas, strategy: ystr(yat(o, "spec", "strategy", "type")), labels: labels, ports: map[string]int{},
					probes: map[string]probe{}, initCmds: initCmds}
				for _, e := range ylist(yat(c, "env")) {
					ename := ystr(yat(e, "name"))
					if v, ok := ymap(e)["value"]; ok {
						w.env[ename] = ystr(v)
						continue
					}
					w.env[ename] = "placeholder"
					for _, ref := range []struct{ kind, field string }{{"Secret", "secretKeyRef"}, {"ConfigMap", "configMapKeyRef"}} {
						r := ymap(yat(e, "valueFrom", ref.field))
						if r == nil {
							continue
						}
						val, ok := secretValue(objs, ref.kind, ystr(r["name"]), ystr(r["key"]))
						if !ok && ystr(r["optional"]) != "true" {
							ps.add("%s: %s: %s %s has no key %s", w.where, ename, ref.kind, ystr(r["name"]), ystr(r["key"]))
						}
						w.env[ename] = val
					}
				}
				for _, ef := range ylist(yat(c, "envFrom")) {
					for _, ref := range []struct{ kind, field string }{{"Secret", "secretRef"}, {"ConfigMap", "configMapRef"}} {
						if r := ymap(yat(ef, ref.field)); r != nil {
							obj := objs[ref.kind+"/"+ystr(r["name"])]
							for _, field := range []string{"data", "stringData"} {
								for k := range ymap(obj[field]) {
									w.env[ystr(yat(ef, "prefix"))+k], _ = secretValue(objs, ref.kind, ystr(r["name"]), k)
								}
							}
						}
					}
				}
				for _, m := range ylist(yat(c, "volumeMounts")) {
					vfiles, ok := volumes[ystr(yat(m, "name"))]
					if !ok {
						ps.add("%s: volumeMount %s names no volume", w.where, ystr(yat(m, "name")))
						continue
					}
					mount := ystr(yat(m, "mountPath"))
					if sp := ystr(yat(m, "subPath")); sp != "" {
						if b, ok := vfiles[sp]; ok {
							w.mounts[mount] = b
						}
						continue
					}
					for f, b := range vfiles {
						w.mounts[path.Join(mount, f)] = b
					}
				}
				for _, p := range ylist(yat(c, "ports")) {
					n, _ := strconv.Atoi(ystr(yat(p, "containerPort")))
					w.ports[ystr(yat(p, "name"))] = n
				}
				for _, pk := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
					if pr := ymap(yat(c, pk)); pr != nil {
						w.probes[strings.TrimSuffix(pk, "Probe")] = probe{path: ystr(yat(pr, "httpGet", "path")), port: yat(pr, "httpGet", "port")}
					}
				}
				cmd := ystrs(yat(c, "command"))
				args := ystrs(yat(c, "args"))
				if w.isYuqing() && len(cmd) > 0 {
					if path.Base(cmd[0]) != "yuqing" {
						ps.add("%s: command %q does not run the yuqing binary (run it directly, so that its flags are checked)", w.where, cmd[0])
					}
					cmd = cmd[1:]
				}
				w.argv = append(cmd, args...)
				out = append(out, w)
			}
		}
	}
	return out
}

// ---- one container

var (
	usageLine = regexp.MustCompile(`(?m)^  yuqing ([a-z]+) `)
	flagLine  = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9_.-]*)`)
	// fileFlags name files the process reads.
	fileFlags = map[string]bool{"config": true, "sources": true, "respond-config": true, "sentiment-model": true}
)

// runHelp runs `yuqing ARGV… -h` through the real dispatch and flag
// parsing, and returns the exit code, what run wrote to stderr, and the
// usage the flag package printed (to os.Stderr).
func runHelp(argv []string, getenv func(string) string) (int, string, string) {
	f, err := os.CreateTemp("", "usage")
	if err != nil {
		return -1, err.Error(), ""
	}
	defer os.Remove(f.Name())
	defer f.Close()
	old := os.Stderr
	os.Stderr = f
	var out, errb bytes.Buffer
	code := run(context.Background(), append(slices.Clone(argv), "-h"), &out, &errb, getenv)
	os.Stderr = old
	b, _ := os.ReadFile(f.Name())
	return code, errb.String(), string(b)
}

func checkWorkload(w *workload, tmp string, script []byte, ps *problems) {
	// A container running create-topics.sh runs deploy/kafka/create-topics.sh.
	cmdline := strings.Join(w.argv, " ")
	if strings.Contains(cmdline, "create-topics.sh") {
		for p, b := range w.mounts {
			if path.Base(p) == "create-topics.sh" && !bytes.Equal(b, script) {
				ps.add("%s: its %s differs from deploy/kafka/create-topics.sh", w.where, p)
			}
		}
	}
	if !w.isYuqing() {
		return
	}
	sub := w.sub()
	if sub == "" {
		ps.add("%s: no yuqing subcommand", w.where)
		return
	}
	inUsage := false
	for _, m := range usageLine.FindAllStringSubmatch(usage, -1) {
		inUsage = inUsage || m[1] == sub
	}
	if !inUsage {
		ps.add("%s: %q is not a yuqing subcommand (see the usage in cmd/yuqing/main.go)", w.where, sub)
		return
	}

	// Files named by flags and variables must be mounted; they are copied
	// to tmp so that the process can read them.
	local := map[string]string{} // container path → local copy
	resolve := func(p string) (string, bool) {
		if l, ok := local[p]; ok {
			return l, true
		}
		b, ok := w.mounts[p]
		if !ok {
			return "", false
		}
		f, err := os.CreateTemp(tmp, "mount-*-"+path.Base(p))
		if err != nil {
			return "", false
		}
		f.Write(b)
		f.Close()
		local[p] = f.Name()
		return f.Name(), true
	}
	argv := slices.Clone(w.argv)
	for i := 1; i < len(argv); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(argv[i], "-"), "=")
		if !strings.HasPrefix(argv[i], "-") || !fileFlags[name] {
			continue
		}
		if !hasVal {
			if i+1 >= len(argv) {
				continue
			}
			i++
			val = argv[i]
		}
		l, ok := resolve(val)
		if !ok {
			ps.add("%s: --%s %s is not mounted into the container", w.where, name, val)
			continue
		}
		if hasVal {
			argv[i] = "--" + name + "=" + l
		} else {
			argv[i] = l
		}
	}
	env := map[string]string{}
	for k, v := range w.env {
		env[k] = v
		if name, ok := strings.CutPrefix(k, "YUQING_"); ok && fileFlags[strings.ToLower(strings.ReplaceAll(name, "_", "-"))] && v != "" {
			if l, ok := resolve(v); ok {
				env[k] = l
			} else {
				ps.add("%s: %s=%s is not mounted into the container", w.where, k, v)
			}
		}
	}
	getenv := func(k string) string { return env[k] }

	code, errOut, usageOut := runHelp(argv, getenv)
	if code == 2 {
		ps.add("%s: %q is not a yuqing subcommand: %s", w.where, sub, firstLine(errOut))
		return
	}
	if code != 0 {
		ps.add("%s: yuqing %s: exit %d: %s %s", w.where, strings.Join(w.argv, " "), code, strings.TrimSpace(errOut), firstLine(usageOut))
		return
	}
	flags := map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(usageOut, -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		ps.add("%s: yuqing %s -h printed no flags; cannot check the variables", w.where, sub)
	}

	roles, server := serverRoles[sub]
	var cfg app.Config
	if server {
		var err error
		cfg, _, err = app.Load(sub, argv[1:], getenv, app.AllSections, nil)
		if err != nil {
			ps.add("%s: loading the config as yuqing %s does: %v", w.where, sub, err)
			return
		}
		w.cfg = &cfg
	}

	// Variables: YUQING_ + a flag of this subcommand, the LLM key, or a
	// variable the config names (webhook and connector secrets).
	named := map[string]bool{llm.KeyEnv: true}
	if server {
		for _, ep := range cfg.Webhooks.Endpoints {
			named[ep.TokenEnv], named[ep.SecretEnv] = true, true
		}
		for _, s := range cfg.Sources {
			for k, v := range s.Options {
				if strings.HasSuffix(k, "_env") {
					named[v] = true
				}
			}
		}
	}
	for k := range w.env {
		name, ok := strings.CutPrefix(k, "YUQING_")
		if !ok || named[k] {
			continue
		}
		flag := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
		if !flags[flag] {
			ps.add("%s: %s is no flag of yuqing %s (YUQING_X sets --x), so yuqing ignores it", w.where, k, sub)
		}
	}
	if server {
		checkServer(w, cfg, roles, tmp, resolve, ps)
	}
}

// checkServer checks the config a server role loaded, the files and
// variables it names, and the probes.
func checkServer(w *workload, cfg app.Config, roles []string, tmp string, resolve func(string) (string, bool), ps *problems) {
	// The config file: app.Config's keys only (Load refused unknown ones
	// already; this names them).
	cfgPath := ""
	for i, a := range w.argv {
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "config="); ok {
			cfgPath = v
		} else if strings.TrimLeft(a, "-") == "config" && strings.HasPrefix(a, "-") && i+1 < len(w.argv) {
			cfgPath = w.argv[i+1]
		}
	}
	if cfgPath == "" {
		cfgPath = w.env["YUQING_CONFIG"]
	}
	if b, ok := w.mounts[cfgPath]; ok {
		tags := yamlTags(reflect.TypeFor[app.Config]())
		var top map[string]any
		if err := yaml.Unmarshal(b, &top); err == nil {
			for k := range top {
				if !tags[k] {
					ps.add("%s: config %s: key %q is not a yaml key of app.Config", w.where, cfgPath, k)
				}
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		ps.add("%s: invalid config: %v", w.where, err)
	}
	if cfg.Log != "kafka" || cfg.Store != "clickhouse" {
		ps.add("%s: log %q, store %q: processes scaled out share log kafka and store clickhouse", w.where, cfg.Log, cfg.Store)
	}
	// Files the config names, where a role of this process reads them.
	runsIngest := slices.Contains(roles, app.RoleIngest)
	analyses := slices.ContainsFunc(roles, func(r string) bool { return r == app.RoleAnalyze || r == app.RoleEnrich || r == app.RoleTrack })
	responds := slices.Contains(roles, app.RoleRespond)
	for _, f := range []struct {
		what string
		p    *string
		used bool
	}{{"sources", &cfg.SourcesFile, runsIngest}, {"respond_config", &cfg.RespondConfig, responds}, {"sentiment_model", &cfg.SentimentModel, analyses}} {
		if !f.used {
			*f.p = ""
		}
		if *f.p == "" || strings.HasPrefix(*f.p, tmp) {
			continue
		}
		l, ok := resolve(*f.p)
		if !ok {
			ps.add("%s: %s %s is not mounted into the container", w.where, f.what, *f.p)
			*f.p = ""
			continue
		}
		*f.p = l
	}
	for _, d := range cfg.UserDicts {
		if _, ok := w.mounts[d]; !ok && (analyses || responds) {
			ps.add("%s: user dictionary %s is not mounted into the container", w.where, d)
		}
	}
	sc, err := cfg.SourceConfig()
	if err != nil && runsIngest {
		ps.add("%s: pull sources: %v", w.where, err)
	}
	if runsIngest && len(sc.Sources) > 0 && (w.replicas != 1 || w.platform == "k8s" && w.strategy != "Recreate") {
		ps.add("%s: runs pull sources in %d replicas (strategy %q): yuqing elects no leader, so exactly one process (Recreate) may run them", w.where, w.replicas, w.strategy)
	}
	for _, s := range sc.Sources {
		for k, v := range s.Options {
			if strings.HasSuffix(k, "_env") && w.env[v] == "" && !s.Disabled {
				ps.add("%s: source %s reads %s, which the container does not set", w.where, s.Name, v)
			}
		}
	}
	for _, ep := range cfg.Webhooks.Endpoints {
		for _, v := range []string{ep.TokenEnv, ep.SecretEnv} {
			if v != "" && runsIngest {
				if _, ok := w.env[v]; !ok {
					ps.add("%s: webhook %s reads %s, which the container does not set", w.where, ep.Name, v)
				}
			}
		}
	}
	if cfg.RespondConfig != "" {
		if _, err := app.LoadRespondFile(cfg.RespondConfig); err != nil {
			ps.add("%s: respond config: %v", w.where, err)
		}
	}

	checkProbes(w, cfg, ps)
}

// checkProbes checks that the probes (the compose health check) GET
// /healthz and /readyz on the addr port.
func checkProbes(w *workload, cfg app.Config, ps *problems) {
	_, port, err := net.SplitHostPort(cfg.Addr)
	addrPort, _ := strconv.Atoi(port)
	if err != nil || addrPort == 0 {
		ps.add("%s: addr %q has no port", w.where, cfg.Addr)
	}
	if w.init {
		return
	}
	switch w.platform {
	case "k8s":
		for kind, want := range map[string]string{"liveness": "/healthz", "readiness": "/readyz", "startup": "/healthz"} {
			pr, ok := w.probes[kind]
			if !ok {
				if kind != "startup" {
					ps.add("%s: no %s probe (GET %s)", w.where, kind, want)
				}
				continue
			}
			if pr.path != want {
				ps.add("%s: %s probe GETs %q, want %s", w.where, kind, pr.path, want)
			}
			if p := w.port(pr.port); p != addrPort {
				ps.add("%s: %s probe port %v is %d, not the addr port %d", w.where, kind, pr.port, p, addrPort)
			}
		}
	case "compose":
		m := regexp.MustCompile(`https?://[^/\s:]+:(\d+)(/\S*)`).FindStringSubmatch(strings.Join(w.health, " "))
		if m == nil || (m[2] != "/readyz" && m[2] != "/healthz") || m[1] != port {
			ps.add("%s: health check %q does not GET /readyz or /healthz on the addr port %s", w.where, strings.Join(w.health, " "), port)
		}
	}
}

func (w *workload) port(p any) int {
	if n, err := strconv.Atoi(ystr(p)); err == nil {
		return n
	}
	return w.ports[ystr(p)]
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// yamlTags are the top-level YAML keys of a struct type.
func yamlTags(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" && f.Type.Kind() == reflect.Struct { // a section of app.Config
			maps.Copy(out, yamlTags(f.Type))
			continue
		}
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// ---- the roles together

func checkTopology(platform string, ws []*workload, spec map[string]topicSpec, ps *problems) {
	replicas := map[string]int{} // subcommand → processes
	var servers []*workload
	for _, w := range ws {
		if !w.isYuqing() || w.init || w.cfg == nil {
			continue
		}
		servers = append(servers, w)
		replicas[w.sub()] += w.replicas
	}
	for _, role := range []string{"ingest", "enrich", "track", "respond"} {
		if replicas[role] == 0 {
			ps.add("%s: no yuqing %s", platform, role)
		}
	}
	if (replicas["analyze"] > 0 || replicas["serve"] > 0) && (replicas["enrich"] > 0 || replicas["track"] > 0) {
		ps.add("%s: yuqing analyze/serve beside enrich/track on the same log: mentions would be analysed twice", platform)
	}
	if replicas["track"] < 2 {
		ps.add("%s: %d yuqing track: run an owner and a warm standby", platform, replicas["track"])
	}
	if replicas["respond"] > 1 || replicas["serve"] > 0 && replicas["respond"] > 0 {
		ps.add("%s: %d respond processes: the desk's state is per process; run exactly one", platform, replicas["respond"]+replicas["serve"])
	}
	for _, w := range servers {
		if spec == nil {
			break
		}
		if w.sub() == "enrich" {
			if p := spec[eventlog.TopicMentions].Partitions; replicas["enrich"] > p {
				ps.add("%s: %d enrich processes, but mentions has %d partitions: the rest would idle", w.where, replicas["enrich"], p)
			}
		}
		for name, tp := range spec {
			if !slices.Contains(analyze.SinglePartition, name) && tp.Partitions != w.cfg.Partitions {
				ps.add("%s: partitions %d, but topics.yaml gives %s %d (yuqing would create topics unlike the job's)", w.where, w.cfg.Partitions, name, tp.Partitions)
			}
		}
		if w.platform == "k8s" && w.sub() == "respond" && w.strategy != "Recreate" {
			ps.add("%s: strategy %q: respond must stop before its successor starts (Recreate)", w.where, w.strategy)
		}
		if w.platform == "k8s" && !slices.ContainsFunc(w.initCmds, func(c string) bool { return strings.Contains(c, "create-topics.sh --check") }) {
			ps.add("%s: no init container that waits for the topics (create-topics.sh --check): yuqing would create them unreplicated", w.where)
		}
		if w.platform == "compose" && w.dependsOn["topic-init"] != "service_completed_successfully" {
			ps.add("%s: does not wait for topic-init (depends_on: {topic-init: {condition: service_completed_successfully}}): yuqing would create the topics unreplicated", w.where)
		}
	}
	// Every job that creates topics uses the brokers of the config.
	for _, w := range ws {
		if b, ok := w.env["BOOTSTRAP"]; ok && len(servers) > 0 {
			if want := strings.Join(servers[0].cfg.Brokers, ","); b != want {
				ps.add("%s: BOOTSTRAP %q, but yuqing's brokers are %q", w.where, b, want)
			}
		}
	}
}

func checkComposeKafka(ws []*workload, spec map[string]topicSpec, ps *problems) {
	var brokers []*workload
	services := map[string]bool{}
	for _, w := range ws {
		services[w.name] = true
		if w.env["KAFKA_PROCESS_ROLES"] != "" {
			brokers = append(brokers, w)
		}
	}
	if len(brokers) != 3 {
		ps.add("compose: %d Kafka brokers, want 3", len(brokers))
	}
	var maxMsg int64
	for _, tp := range spec {
		maxMsg = max(maxMsg, tp.MaxMessageBytes)
	}
	for _, b := range brokers {
		e := b.env
		if !strings.Contains(e["KAFKA_PROCESS_ROLES"], "controller") || !strings.Contains(e["KAFKA_PROCESS_ROLES"], "broker") {
			ps.add("%s: KAFKA_PROCESS_ROLES %q: KRaft, broker and controller", b.where, e["KAFKA_PROCESS_ROLES"])
		}
		if e["CLUSTER_ID"] == "" || e["CLUSTER_ID"] != brokers[0].env["CLUSTER_ID"] {
			ps.add("%s: CLUSTER_ID %q differs from %s's", b.where, e["CLUSTER_ID"], brokers[0].name)
		}
		if e["KAFKA_MIN_INSYNC_REPLICAS"] != "2" {
			ps.add("%s: min.insync.replicas %q, want 2", b.where, e["KAFKA_MIN_INSYNC_REPLICAS"])
		}
		if e["KAFKA_DEFAULT_REPLICATION_FACTOR"] != "3" {
			ps.add("%s: default.replication.factor %q, want 3", b.where, e["KAFKA_DEFAULT_REPLICATION_FACTOR"])
		}
		if n, _ := strconv.ParseInt(e["KAFKA_MESSAGE_MAX_BYTES"], 10, 64); n < maxMsg {
			ps.add("%s: message.max.bytes %q is below the topics' max.message.bytes %d", b.where, e["KAFKA_MESSAGE_MAX_BYTES"], maxMsg)
		}
		if e["KAFKA_LOG_RETENTION_MS"] != "-1" {
			ps.add("%s: log.retention.ms %q: the broker default must keep everything (-1); topics.yaml limits the few that may expire", b.where, e["KAFKA_LOG_RETENTION_MS"])
		}
	}
	// yuqing's addresses name compose services.
	for _, w := range ws {
		if w.cfg == nil {
			continue
		}
		for _, addr := range append(slices.Clone(w.cfg.Brokers), strings.Split(w.cfg.ClickHouse, ",")...) {
			host, _, _ := net.SplitHostPort(strings.TrimSpace(addr))
			if !services[host] {
				ps.add("%s: %s is no service of the compose file", w.where, addr)
			}
		}
		break
	}
}

// checkK8sObjects checks the Services, PodDisruptionBudgets and
// NetworkPolicies against the Deployments.
func checkK8sObjects(ws []*workload, docs map[string][]map[string]any, ps *problems) {
	objs := k8sObjects(docs)
	byKind := func(kind string) []map[string]any {
		var out []map[string]any
		for k, o := range objs {
			if strings.HasPrefix(k, kind+"/") {
				out = append(out, o)
			}
		}
		return out
	}
	matches := func(sel map[string]any, labels map[string]string) bool {
		if sel == nil {
			return false
		}
		for k, v := range sel {
			if labels[k] != ystr(v) {
				return false
			}
		}
		return true
	}
	selects := func(sel map[string]any, labels map[string]string) bool {
		if ml := ymap(sel["matchLabels"]); ml != nil && !matches(ml, labels) {
			return false
		}
		for _, e := range ylist(sel["matchExpressions"]) {
			if ystr(yat(e, "operator")) != "In" || !slices.Contains(ystrs(yat(e, "values")), labels[ystr(yat(e, "key"))]) {
				return false
			}
		}
		return len(sel) > 0
	}
	var servers []*workload
	for _, w := range ws {
		if w.platform == "k8s" && w.isYuqing() && !w.init && w.cfg != nil {
			servers = append(servers, w)
		}
	}
	// A Service for ingest and one for respond, on the addr port.
	for _, role := range []string{"ingest", "respond"} {
		found := false
		for _, svc := range byKind("Service") {
			for _, w := range servers {
				if w.sub() != role || !matches(ymap(yat(svc, "spec", "selector")), w.labels) {
					continue
				}
				found = true
				_, port, _ := net.SplitHostPort(w.cfg.Addr)
				for _, p := range ylist(yat(svc, "spec", "ports")) {
					if tp := w.port(yat(p, "targetPort")); strconv.Itoa(tp) != port {
						ps.add("%s Service %s: targetPort %v is %d, not %s's addr port %s", svc["__file"], yat(svc, "metadata", "name"), yat(p, "targetPort"), tp, w.name, port)
					}
				}
			}
		}
		if !found {
			ps.add("k8s: no Service selects the yuqing %s pods", role)
		}
	}
	// PodDisruptionBudgets: ingest and enrich keep one, track keeps one
	// (minAvailable 1, so the standby survives).
	for _, role := range []string{"ingest", "enrich", "track"} {
		found := false
		for _, pdb := range byKind("PodDisruptionBudget") {
			for _, w := range servers {
				if w.sub() != role || w.replicas < 2 || !selects(ymap(yat(pdb, "spec", "selector")), w.labels) {
					continue
				}
				found = true
				min, maxU := ystr(yat(pdb, "spec", "minAvailable")), ystr(yat(pdb, "spec", "maxUnavailable"))
				if role == "track" && min != "1" {
					ps.add("%s PodDisruptionBudget %s: track needs minAvailable 1 (got minAvailable %q, maxUnavailable %q)", pdb["__file"], yat(pdb, "metadata", "name"), min, maxU)
				}
				if n, err := strconv.Atoi(min); err == nil && n >= w.replicas || maxU == "0" {
					ps.add("%s PodDisruptionBudget %s: allows no disruption of %d replicas: drains would hang", pdb["__file"], yat(pdb, "metadata", "name"), w.replicas)
				}
			}
		}
		if !found {
			ps.add("k8s: no PodDisruptionBudget for the yuqing %s pods", role)
		}
	}
	// The tokenless metrics port is reachable from Prometheus only.
	for _, w := range servers {
		if w.cfg.MetricsAddr == "" {
			continue
		}
		_, port, _ := net.SplitHostPort(w.cfg.MetricsAddr)
		mport, _ := strconv.Atoi(port)
		selected, allowed := false, false
		for _, np := range byKind("NetworkPolicy") {
			if !selects(ymap(yat(np, "spec", "podSelector")), w.labels) || !slices.Contains(ystrs(yat(np, "spec", "policyTypes")), "Ingress") {
				continue
			}
			selected = true
			for _, rule := range ylist(yat(np, "spec", "ingress")) {
				ports := ylist(yat(rule, "ports"))
				covers := len(ports) == 0
				for _, p := range ports {
					covers = covers || w.port(yat(p, "port")) == mport
				}
				if !covers {
					continue
				}
				if len(ylist(yat(rule, "from"))) == 0 {
					ps.add("%s NetworkPolicy %s: opens the tokenless metrics port %d to everyone", np["__file"], yat(np, "metadata", "name"), mport)
				}
				allowed = true
			}
		}
		if !selected {
			ps.add("%s: no NetworkPolicy guards the tokenless metrics port %d (metrics_addr)", w.where, mport)
		} else if !allowed {
			ps.add("%s: no NetworkPolicy lets Prometheus reach the metrics port %d", w.where, mport)
		}
	}
	// The topic job runs the script.
	job := false
	for _, w := range ws {
		if w.kind == "Job" && strings.Contains(strings.Join(w.argv, " "), "create-topics.sh") && !strings.Contains(strings.Join(w.argv, " "), "--check") {
			job = true
		}
	}
	if !job {
		ps.add("k8s: no Job runs create-topics.sh")
	}
}

func checkKustomization(files map[string][]byte, docs map[string][]map[string]any, ps *problems) {
	const file = "deploy/k8s/kustomization.yaml"
	ds := docs[file]
	if len(ds) != 1 {
		ps.add("%s: missing", file)
		return
	}
	listed := map[string]bool{}
	for _, r := range ystrs(ds[0]["resources"]) {
		listed["deploy/k8s/"+r] = true
		if _, ok := files["deploy/k8s/"+r]; !ok {
			ps.add("%s: resource %s does not exist", file, r)
		}
	}
	for name := range files {
		if strings.HasPrefix(name, "deploy/k8s/") && name != file && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) && !listed[name] {
			ps.add("%s: does not list %s", file, path.Base(name))
		}
	}
}

// ---- ClickHouse

type chTable struct {
	engine, args, rest string   // ENGINE = engine(args) rest
	cols               []string // "name type …", normalised
	as                 string   // CREATE TABLE … AS other
}

var (
	chCreate  = regexp.MustCompile(`(?is)^CREATE TABLE IF NOT EXISTS (?:yuqing\.)?(\w+)(?: ON CLUSTER (\w+))?\s*(?:AS (?:yuqing\.)?(\w+)\s*)?(?:\((.*)\))?\s*ENGINE = (\w+)\((.*)$`)
	chAlter   = regexp.MustCompile(`(?is)^ALTER TABLE (\w+) ADD COLUMN (.*)$`)
	chMV      = regexp.MustCompile(`(?is)^CREATE MATERIALIZED VIEW IF NOT EXISTS (?:yuqing\.)?(\w+)(?: ON CLUSTER \w+)? TO (?:yuqing\.)?(\w+) AS\s+SELECT (.*) FROM (?:yuqing\.)?(\w+)$`)
	chRecord  = regexp.MustCompile(`\((\d+), '(\w+)', now\(\)\)`)
	spaceRuns = regexp.MustCompile(`\s+`)
)

func norm(s string) string { return strings.TrimSpace(spaceRuns.ReplaceAllString(s, " ")) }

// sqlStatements splits SQL into statements, without comment lines.
func sqlStatements(s string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(s) {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// closeParen splits s after an opening parenthesis into what comes before
// its closing one and what after.
func closeParen(s string) (string, string) {
	depth := 1
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// splitColumns splits a column list at the commas outside parentheses.
func splitColumns(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, norm(s[start:i]))
				start = i + 1
			}
		}
	}
	if c := norm(s[start:]); c != "" {
		out = append(out, c)
	}
	return out
}

type chSchema struct {
	tables   map[string]*chTable
	views    map[string][3]string // name → target, columns, source
	clusters map[string]bool      // ON CLUSTER names
	records  map[string]string    // schema_migrations rows: version → name
	other    []string
}

func parseSQL(stmts []string) chSchema {
	s := chSchema{tables: map[string]*chTable{}, views: map[string][3]string{}, clusters: map[string]bool{}, records: map[string]string{}}
	for _, st := range stmts {
		if m := chCreate.FindStringSubmatch(st); m != nil {
			args, rest := closeParen(m[6])
			s.tables[m[1]] = &chTable{as: m[3], cols: splitColumns(m[4]), engine: m[5], args: norm(args), rest: norm(rest)}
			if m[2] != "" {
				s.clusters[m[2]] = true
			}
		} else if m := chAlter.FindStringSubmatch(st); m != nil {
			if t := s.tables[m[1]]; t != nil {
				t.cols = append(t.cols, norm(m[2]))
			}
		} else if m := chMV.FindStringSubmatch(st); m != nil {
			s.views[m[1]] = [3]string{m[2], norm(m[3]), m[4]}
		} else if strings.HasPrefix(st, "INSERT INTO yuqing.schema_migrations") {
			for _, r := range chRecord.FindAllStringSubmatch(st, -1) {
				s.records[r[1]] = r[2]
			}
		} else {
			s.other = append(s.other, st)
		}
	}
	return s
}

func checkClickHouseCluster(files map[string][]byte, ps *problems) {
	const file = "deploy/clickhouse/cluster/schema.sql"
	dir := filepath.Join("..", "..", "internal", "analytics", "chstore", "migrations")
	entries, err := os.ReadDir(dir)
	if err != nil {
		ps.add("reading chstore's migrations: %v", err)
		return
	}
	var stmts []string
	migrations := map[string]string{} // version → name
	for _, e := range entries {
		m := regexp.MustCompile(`^0*(\d+)_(\w+)\.sql$`).FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		migrations[m[1]] = m[2]
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			ps.add("%v", err)
			return
		}
		stmts = append(stmts, sqlStatements(string(b))...)
	}
	want := parseSQL(stmts)
	got := parseSQL(sqlStatements(string(files[file])))
	if len(want.other) > 0 {
		ps.add("chstore's migrations hold statements deploy_test.go cannot compare with %s: %q", file, want.other)
	}
	if len(got.clusters) != 1 {
		ps.add("%s: ON CLUSTER names %v, want one cluster", file, got.clusters)
	}
	// schema_migrations as chstore creates it.
	src, err := os.ReadFile(filepath.Join("..", "..", "internal", "analytics", "chstore", "chstore.go"))
	if err == nil {
		if m := regexp.MustCompile("(?s)`(CREATE TABLE IF NOT EXISTS schema_migrations \\(.*?)`").FindSubmatch(src); m != nil {
			ch := parseSQL([]string{string(m[1])})
			for k, v := range ch.tables {
				want.tables[k] = v
			}
		} else {
			ps.add("chstore.go: schema_migrations DDL not found (update deploy_test.go)")
		}
	}
	for name, wt := range want.tables {
		local := got.tables[name+"_local"]
		if name == "schema_migrations" {
			local = got.tables[name] // one replicated table over every node
		}
		if local == nil {
			ps.add("%s: no replicated table for chstore's %s", file, name)
			continue
		}
		lname := name + "_local"
		if name == "schema_migrations" {
			lname = name
		}
		if !slices.Equal(local.cols, wt.cols) {
			ps.add("%s: %s columns\n\t%q\nbut chstore's migrations give %s\n\t%q", file, lname, local.cols, name, wt.cols)
		}
		if local.engine != "Replicated"+wt.engine {
			ps.add("%s: %s engine %s, want Replicated%s", file, lname, local.engine, wt.engine)
		}
		args := strings.Split(local.args, ",")
		wantArgs := 2
		if wt.args != "" {
			wantArgs += len(strings.Split(wt.args, ","))
		}
		if len(args) != wantArgs || !strings.Contains(local.args, "{replica}") || (name != "schema_migrations" && !strings.Contains(local.args, "{shard}")) ||
			(wt.args != "" && norm(strings.Join(args[2:], ",")) != wt.args) {
			ps.add("%s: %s engine arguments (%s): want a Keeper path with {shard}, '{replica}' and chstore's (%s)", file, lname, local.args, wt.args)
		}
		if local.rest != wt.rest {
			ps.add("%s: %s %q, but chstore's %s has %q", file, lname, local.rest, name, wt.rest)
		}
		if name == "schema_migrations" {
			continue
		}
		dist := got.tables[name]
		if dist == nil || dist.engine != "Distributed" || dist.as != lname {
			ps.add("%s: no Distributed table %s AS %s (chstore queries %s)", file, name, lname, name)
			continue
		}
		if a := strings.Split(dist.args, ","); len(a) != 4 || !got.clusters[strings.TrimSpace(a[0])] || strings.TrimSpace(a[2]) != lname || !strings.Contains(a[3], "(id)") {
			ps.add("%s: Distributed table %s(%s): want (cluster, database, %s, a hash of id)", file, name, dist.args, lname)
		}
	}
	for name, wv := range want.views {
		gv, ok := got.views[name]
		if !ok || gv[0] != wv[0]+"_local" || gv[1] != wv[1] || gv[2] != wv[2]+"_local" {
			ps.add("%s: materialized view %s: %q, want TO %s_local AS SELECT %s FROM %s_local", file, name, gv, wv[0], wv[1], wv[2])
		}
	}
	for v, n := range migrations {
		if got.records[v] != n {
			ps.add("%s: chstore's migration %s (%s) is not recorded in schema_migrations: chstore would run it against the Distributed tables (see README.md)", file, v, n)
		}
	}
	for v := range got.records {
		if _, ok := migrations[v]; !ok {
			ps.add("%s: records migration %s, which chstore does not have", file, v)
		}
	}

	// The cluster: 2 shards x 2 replicas, named as in schema.sql.
	const cfile = "deploy/clickhouse/cluster/config.d/yuqing-cluster.xml"
	var conf struct {
		Remote struct {
			Clusters []struct {
				XMLName xml.Name
				Shards  []struct {
					Internal bool `xml:"internal_replication"`
					Replicas []struct {
						Host string `xml:"host"`
					} `xml:"replica"`
				} `xml:"shard"`
			} `xml:",any"`
		} `xml:"remote_servers"`
		Macros struct {
			Shard   string `xml:"shard"`
			Replica string `xml:"replica"`
		} `xml:"macros"`
	}
	if err := xml.Unmarshal(files[cfile], &conf); err != nil {
		ps.add("%s: %v", cfile, err)
	}
	ok := false
	for _, c := range conf.Remote.Clusters {
		if !got.clusters[c.XMLName.Local] {
			continue
		}
		ok = len(c.Shards) == 2
		for _, s := range c.Shards {
			ok = ok && s.Internal && len(s.Replicas) == 2
		}
	}
	if !ok {
		ps.add("%s: no cluster %v of 2 shards x 2 replicas with internal_replication", cfile, slices.Collect(func(yield func(string) bool) {
			for c := range got.clusters {
				yield(c)
			}
		}))
	}
	if conf.Macros.Shard == "" || conf.Macros.Replica == "" {
		ps.add("%s: macros shard and replica are needed by the Replicated tables", cfile)
	}
	const ufile = "deploy/clickhouse/cluster/users.d/yuqing.xml"
	for _, s := range []string{"<distributed_product_mode>local</distributed_product_mode>", "<insert_distributed_sync>1</insert_distributed_sync>"} {
		if !bytes.Contains(files[ufile], []byte(s)) {
			ps.add("%s: the yuqing profile needs %s (README.md)", ufile, s)
		}
	}
}
