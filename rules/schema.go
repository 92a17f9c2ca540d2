package rules

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// ValidatePlanSchema validates a plan (YAML) against an OSCAL JSON schema
// document. The schema is not embedded: it is NIST's release asset, read from
// where the user keeps it (sei compile --schema, or the tests' copy).
func ValidatePlanSchema(plan, schema []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return fmt.Errorf("reading schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("oscal_assessment-plan_schema.json", doc); err != nil {
		return fmt.Errorf("loading schema: %w", err)
	}
	sch, err := c.Compile("oscal_assessment-plan_schema.json")
	if err != nil {
		return fmt.Errorf("compiling schema: %w", err)
	}
	inst, err := yamlToJSONValue(plan)
	if err != nil {
		return err
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("plan does not satisfy the OSCAL schema: %w", err)
	}
	return nil
}

// yamlToJSONValue turns YAML into the plain JSON data model (maps, slices,
// strings, json.Number, bools) the validator expects. Going through JSON keeps
// timestamps as strings: yaml.v3 would otherwise produce time.Time.
func yamlToJSONValue(data []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("reading plan: %w", err)
	}
	v, err := nodeValue(&n)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
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
