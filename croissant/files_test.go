package croissant

import (
	"reflect"
	"testing"
)

// contentUrl and includes resolve against the descriptor's directory (as
// mlcroissant does); URLs and paths leading out of the repository are not
// repository files.
func TestFiles(t *testing.T) {
	doc := `{"distribution": [
		{"@type": "cr:FileObject", "contentUrl": "german_credit.csv"},
		{"@type": "cr:FileObject", "contentUrl": "../raw/extra.csv"},
		{"@type": "cr:FileObject", "contentUrl": "https://example.org/x.csv"},
		{"@type": "cr:FileObject", "contentUrl": "/etc/passwd"},
		{"@type": "cr:FileObject", "contentUrl": "../../../outside.csv"},
		{"@type": "cr:FileSet", "includes": "images/*.png"},
		{"@type": "cr:FileSet", "includes": ["a/*.csv", 7]}]}`
	got, err := Files([]byte(doc), "data/credit.croissant.json")
	want := []string{"data/a/*.csv", "data/german_credit.csv", "data/images/*.png", "raw/extra.csv"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Files = %v, %v; want %v", got, err, want)
	}
	if _, err := Files([]byte("{"), "d.json"); err == nil {
		t.Fatal("broken JSON accepted")
	}
}
