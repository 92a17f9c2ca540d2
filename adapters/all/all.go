// Package all links every adapter into a binary: importing it registers
// each tool with adapters.New.
package all

import (
	_ "seigarrena.dev/sei/adapters/command"
	_ "seigarrena.dev/sei/adapters/dagster"
	_ "seigarrena.dev/sei/adapters/dvc"
	_ "seigarrena.dev/sei/adapters/lakehouse"
	_ "seigarrena.dev/sei/adapters/mlflow"
)
