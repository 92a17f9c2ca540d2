package main

import "syscall"

// syscallRusage is the Unix rusage behind ProcessState.SysUsage.
type syscallRusage = syscall.Rusage
