package rules

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

// ValidatePlanSchema validates a plan (YAML) against an OSCAL JSON schema
// document. The schema is not embedded: it is NIST's release asset, read from
// where the user keeps it (sei compile --schema, or the tests' copy).
//
// The validator is gojsonschema (draft-07, which OSCAL's schemas declare)
// rather than santhosh-tekuri/jsonschema: the latter compiles every draft's
// meta-schema in its package init, 7.8 ms of every sei start-up whatever the
// command. The tests validate the same plans with both, and with trestle.
func ValidatePlanSchema(plan, schema []byte) error {
	if !json.Valid(schema) {
		return fmt.Errorf("reading schema: not JSON")
	}
	sch, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schema))
	if err != nil {
		return fmt.Errorf("compiling schema: %w", err)
	}
	inst, err := yamlToJSON(plan)
	if err != nil {
		return err
	}
	res, err := sch.Validate(gojsonschema.NewBytesLoader(inst))
	if err != nil {
		return fmt.Errorf("validating plan: %w", err)
	}
	if !res.Valid() {
		errs := res.Errors()
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.String()
		}
		sort.Strings(msgs)
		return fmt.Errorf("plan does not satisfy the OSCAL schema: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// yamlToJSON turns YAML into JSON (maps, slices, strings, numbers, bools),
// the document the validator reads. Going through JSON keeps
// timestamps as strings: yaml.v3 would otherwise produce time.Time.
func yamlToJSON(data []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("reading plan: %w", err)
	}
	v, err := nodeValue(&n)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return nodeValue(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := nodeValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return json.Number(n.Value), nil
	case "!!bool":
		return n.Value == "true", nil
	case "!!null":
		return nil, nil
	}
	return n.Value, nil
}
