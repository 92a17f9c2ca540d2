package main

import (
	"os"

	"seigarrena.dev/sei/atomicfile"
)

// writeFileAtomic is atomicfile.Write: every file sei writes goes through
// a temporary file and a rename.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, data, perm)
}
