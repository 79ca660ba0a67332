package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultSubjects(t *testing.T) {
	s := DefaultSubjects()
	if s.Version < 1 || s.Source != "内置" {
		t.Fatalf("version %d source %q", s.Version, s.Source)
	}
	want := []string{"fees", "housing", "education", "medical", "employment", "social_security", "pensions", "land", "environment", "traffic", "food", "hukou"}
	have := map[string]Subject{}
	for _, x := range s.Subjects {
		have[x.ID] = x
	}
	for _, id := range want {
		x, ok := have[id]
		if !ok {
			t.Errorf("subject %s missing", id)
			continue
		}
		if len(x.Groups) == 0 || len(x.Questions) == 0 {
			t.Errorf("subject %s has no groups or no questions", id)
		}
	}
	for _, id := range []string{CueCost, CueDeadline, CueNarrowing, "obligation", "scope"} {
		found := false
		for _, c := range s.Cues {
			found = found || c.ID == id
		}
		if !found {
			t.Errorf("cue %s missing", id)
		}
	}
}

func TestLoadSubjects(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "subjects.yaml")
	os.WriteFile(path, []byte(`version: 7
subjects:
  - id: heating
    name: 供暖
    weight: 3
    terms: [供暖, 暖气费]
    groups: [居民]
    questions: [供暖期会不会推迟？]
cues:
  - id: narrowing
    name: 资格收紧
    weight: 2
    terms: [不再]
`), 0o644)
	list, err := LoadSubjects(path)
	if err != nil {
		t.Fatal(err)
	}
	d := Draft{Title: "供暖调整", Text: "第一条 自2026年11月15日起，临江市集中供暖不再按面积收取暖气费。"}
	a, err := Assess(t.Context(), d, Deps{Seg: segmenter(t), Subjects: list, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if a.List.Version != 7 || a.List.Source != path {
		t.Errorf("list %+v", a.List)
	}
	if len(a.Subjects) != 1 || a.Subjects[0].ID != "heating" || len(a.Cues) != 1 || a.Cues[0].ID != CueNarrowing {
		t.Errorf("subjects %+v cues %+v", a.Subjects, a.Cues)
	}
	if len(a.Questions) == 0 || a.Questions[0].Question != "供暖期会不会推迟？" {
		t.Errorf("questions %+v", a.Questions)
	}

	bad := map[string]string{
		"subjects:\n  - {id: a, name: A, weight: 1, terms: [x]}\n":                                                          "version",
		"version: 1\nsubjects:\n  - {id: a, name: A, weight: 4, terms: [x]}\n":                                              "weight",
		"version: 1\nsubjects:\n  - {id: a, name: A, weight: 1, terms: []}\n":                                               "触发词",
		"version: 1\nsubjects:\n  - {id: a, name: A, weight: 1, terms: [x], tems: 1}\n":                                     "tems",
		"version: 1\nsubjects:\n  - {id: a, name: A, weight: 1, terms: [x]}\n  - {id: a, name: B, weight: 1, terms: [y]}\n": "重复",
		"": "为空",
	}
	for body, want := range bad {
		os.WriteFile(path, []byte(body), 0o644)
		if _, err := LoadSubjects(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one containing %q", body, err, want)
		}
	}
	if _, err := LoadSubjects(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing list loaded")
	}
}
