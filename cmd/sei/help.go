package main

// descriptions are the longer help of each command (`sei help CMD`): what
// it does beyond its one line, and an example. conventions attaches them.
var descriptions = map[string]string{
	"init": "Writes a sei.yaml for the repository (its top, when run in a subdirectory of a git work tree),\n" +
		"from a template, and refuses to overwrite one.\n\nExample:\n   sei init",
	"compile": "Lowers the risk programme into the OSCAL assessment plan (pipeline.plan or oscal.assessment_plan),\n" +
		"written atomically; --check only compares and exits 4 when the plan on disk is out of date.\n\nExamples:\n   sei compile\n   sei compile --check",
	"assess": "Prints each risk's inherent and residual cell on the 5×5 matrix against the appetite.\n\nExample:\n   sei assess",
	"impact": "Prints, for each risk, the controls that address it and the gaps.\n\nExample:\n   sei impact",
	"report": "Renders the technical documentation of Annex IV (Regulation (EU) 2024/1689) from the manifest, the\n" +
		"verified evidence, the lock and the git history: identity and purpose, the 5×5 matrix, each control with\n" +
		"its interval, the treatment timeline, the drift now, the dependency graph, Annex IV points 1 to 9 with the\n" +
		"artefact and digest each fact comes from, what is missing, and every signature. The same inputs (and day)\n" +
		"give the same bytes. --check exits 4 when a mandatory item has no source. PDF needs Chromium (SEI_CHROMIUM\n" +
		"or chromium on PATH).\n\nExamples:\n   sei report -o report.html\n   sei report --format md >> \"$GITHUB_STEP_SUMMARY\"\n   sei report --format pdf -o annex-iv.pdf\n   sei report --check",
	"diff": "Compares two runs of record (commits that changed the bundle) on HEAD's first-parent history: the gate,\n" +
		"each control's verdict, value and interval, the drift between their locks (classes and changed inputs), the\n" +
		"dataset and tables, the code measured, and the lifecycle acts between them. A revision names the last run at\n" +
		"or before it; by default the last two runs, with one revision that run and the last.\n\n" +
		"Examples:\n   sei diff\n   sei diff HEAD~3\n   sei diff v1.0 v1.1 --format md\n   sei diff --json",
	"conformance": "Checks the manifest and the evidence against the applicable standards' catalogues.\n\nExample:\n   sei conformance --json",
	"build": "Recomputes the stale part of the graph (or of the TARGETs), in parallel, restoring cached\n" +
		"results where it can. Flags may follow the targets.\n\nExamples:\n   sei build\n   sei build stage:evaluate -n\n   sei build -j 4 --explain",
	"run": "Builds everything, evaluates the gate, then signs the bundle and writes sei.lock.\n\nExamples:\n   sei run\n   sei run --sandbox=relaxed",
	"status": "Runs nothing: compares the work tree with the last signed run and prints each section as\n" +
		"Reused or Stale with its drift class, the gate's verdict and the lifecycle. Exit 0 when the evidence\n" +
		"is current and the gate passed, 4 when stale, 5 when a blocking control failed, 6 when it does not verify.\n\n" +
		"Examples:\n   sei status\n   cd data && sei status --json",
	"query": "Queries the build graph.\n\n" +
		"   expr  := term { (\"+\" | \"-\" | \"^\") term }     union, difference, intersection\n" +
		"   term  := NAME | GLOB | drift | \"(\" expr \")\" | func\n" +
		"   func  := deps(expr [, depth] [, class]) | rdeps(expr [, depth] [, class])\n" +
		"          | somepath(expr, expr) | allpaths(expr, expr) | kind(KIND, expr)\n\n" +
		"NAME is a node (stage:evaluate, file:train.py; a bare stage name finds stage:NAME), GLOB may use *,\n" +
		"class is scope, impl or data, KIND is a node kind (source, stage, rule, ...), drift the stale sections.\n\n" +
		"Examples:\n   sei query 'rdeps(file:train.py)' -o dot\n   sei query 'somepath(file:data/german_credit.csv, gate)'\n   sei query --explain stage:evaluate",
	"cache":        "Inspects and trims the local cache (.sei/cache).\n\nExamples:\n   sei cache stats\n   sei cache trim --max-age 720h",
	"pubkey":       "Prints the public half of the signing key (SEI_SIGNING_KEY, SEI_SIGNING_KEY_FILE or ~/.config/sei).\n\nExample:\n   sei pubkey --pem > sei.pub",
	"verify":       "Verifies every signature of the evidence, its binding to this system and to the current tree,\nand sei.lock's anchor, against the keys trusted from git history.\n\nExample:\n   sei verify --json",
	"endorse-key":  "Signs, with the key trusted so far, a statement that trusts a new signing key from now on.\n\nExample:\n   sei endorse-key new.pub --reason 'key rotation'",
	"approver":     "Manages who may approve: each addition is an act signed by an existing approver.\n\nExample:\n   sei approver add --name 'Chief Risk Officer' --email cro@example.org --key cro.pub",
	"reconstruct":  "Replays the repository's history of signed runs and acts: each risk's treatment cycle,\nthe key that signed each run.\n\nExample:\n   sei reconstruct --json",
	"request":      "Example:\n   sei request -m 'V2 ready for approval'",
	"approve":      "Example:\n   sei approve",
	"reject":       "Example:\n   sei reject -m 'AUC below the threshold'",
	"review":       "Example:\n   sei review",
	"retire":       "Example:\n   sei retire -m 'replaced by credit-scoring-v3'",
	"cache stats":  "Counts the action results, blobs (and their bytes) and stat rows of .sei/cache.\n\nExample:\n   sei cache stats --json",
	"cache trim":   "Removes action results unused for --max-age, then blobs nothing references, then the least\nrecently used blobs until the CAS is under --max-size.\n\nExample:\n   sei cache trim --max-age 720h --max-size 10000000000",
	"approver add": "Writes a new signed .sei/approvers.json with one more approver, signed with your key (an approver\nof the current list, or the first one). Commit it.\n\nExample:\n   sei approver add --name 'Chief Risk Officer' --email cro@example.org --key cro.pub",
}
