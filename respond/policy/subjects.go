package policy

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"yuqing/internal/hanzi"
)

//go:embed subjects.yaml
var defaultSubjects []byte

// Subjects is the versioned list of hot-button subjects and risk cues an
// assessment looks for (subjects.yaml is the embedded default).
type Subjects struct {
	// Version is the list's revision, raised on every change; an
	// assessment records it so its result can be traced to the list.
	Version  int       `yaml:"version" json:"version"`
	Subjects []Subject `yaml:"subjects" json:"subjects"`
	Cues     []Cue     `yaml:"cues" json:"cues"`
	// Exclude is generic noise left out of generated monitoring schemes.
	Exclude []string `yaml:"exclude" json:"exclude,omitempty"`
	// Source is where the list came from: "内置" or a file path.
	Source string `yaml:"-" json:"source"`
}

// Subject is one hot-button subject (热点领域).
type Subject struct {
	ID        string   `yaml:"id" json:"id"`
	Name      string   `yaml:"name" json:"name"`
	Weight    int      `yaml:"weight" json:"weight"` // 1..3
	Terms     []string `yaml:"terms" json:"terms"`
	Groups    []string `yaml:"groups" json:"groups"`
	Questions []string `yaml:"questions" json:"questions,omitempty"`
}

// Cue is a generic risk clause (风险条款): a cost increase, a deadline, an
// obligation or prohibition, narrowed eligibility, a wide scope.
type Cue struct {
	ID     string   `yaml:"id" json:"id"`
	Name   string   `yaml:"name" json:"name"`
	Weight int      `yaml:"weight" json:"weight"` // 1..3
	Terms  []string `yaml:"terms" json:"terms"`
	// Context, when set, must also appear in the sentence (any of them).
	Context []string `yaml:"context" json:"context,omitempty"`
	// Number requires a digit in the sentence.
	Number    bool     `yaml:"number" json:"number,omitempty"`
	Questions []string `yaml:"questions" json:"questions,omitempty"`
}

// Cue IDs the assessment treats specially.
const (
	CueCost      = "cost"
	CueDeadline  = "deadline"
	CueNarrowing = "narrowing"
)

// DefaultSubjects returns the embedded list.
func DefaultSubjects() *Subjects {
	s, err := ParseSubjects(defaultSubjects)
	if err != nil {
		panic("policy: embedded subjects.yaml: " + err.Error())
	}
	s.Source = "内置"
	return s
}

// LoadSubjects reads a list from a YAML (or JSON) file.
func LoadSubjects(path string) (*Subjects, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("读取领域词表失败（reading subjects）: %w", err)
	}
	s, err := ParseSubjects(b)
	if err != nil {
		return nil, fmt.Errorf("领域词表 %s: %w", path, err)
	}
	s.Source = path
	return s, nil
}

// ParseSubjects parses and checks a list. Unknown fields are errors, so a
// misspelt key is not silently ignored.
func ParseSubjects(b []byte) (*Subjects, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Subjects
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("词表为空（empty list）")
		}
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func (s *Subjects) validate() error {
	var errs []error
	if s.Version < 1 {
		errs = append(errs, errors.New("缺少 version（须为不小于 1 的整数）"))
	}
	if len(s.Subjects) == 0 {
		errs = append(errs, errors.New("没有任何领域（subjects is empty）"))
	}
	ids := map[string]bool{}
	check := func(kind, id, name string, weight int, terms []string) {
		switch {
		case id == "":
			errs = append(errs, fmt.Errorf("%s %q 缺少 id", kind, name))
		case ids[id]:
			errs = append(errs, fmt.Errorf("%s %s 重复定义", kind, id))
		}
		ids[id] = true
		if name == "" {
			errs = append(errs, fmt.Errorf("%s %s 缺少 name", kind, id))
		}
		if weight < 1 || weight > 3 {
			errs = append(errs, fmt.Errorf("%s %s 的 weight 须在 1–3 之间", kind, id))
		}
		if len(clean(terms)) == 0 {
			errs = append(errs, fmt.Errorf("%s %s 没有触发词", kind, id))
		}
	}
	for _, x := range s.Subjects {
		check("领域", x.ID, x.Name, x.Weight, x.Terms)
	}
	for _, c := range s.Cues {
		check("条款", c.ID, c.Name, c.Weight, c.Terms)
	}
	return errors.Join(errs...)
}

// clean folds terms and drops empty ones.
func clean(terms []string) []string {
	var out []string
	for _, t := range terms {
		if t = hanzi.Fold(strings.TrimSpace(t)); t != "" {
			out = append(out, t)
		}
	}
	return out
}
