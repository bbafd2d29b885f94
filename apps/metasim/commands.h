/* The metasim command's sub-commands: each file in apps/metasim/ implements one and describes
   its command line, which main.c checks (apputil.c) before the command runs. */
#ifndef METASIM_APP_COMMANDS_H
#define METASIM_APP_COMMANDS_H

#include <metasim.h>

/* argv[0] is the sub-command's name; the command line has been checked against its flags. */
typedef PetscErrorCode (*MSAppCommandFn)(int argc, char **argv);

/* One flag of a command: long spelling ("--output"), optional short one ("-o"), whether a value follows. */
typedef struct {
  const char *name, *alias;
  PetscBool   has_value;
} MSAppFlag;

typedef struct {
  const char      *name;
  const char      *summary;
  MSAppCommandFn   run;
  int              max_positional; /* arguments that are not flags (FILE, the sweep's name); -1: any (passed on) */
  const MSAppFlag *flags;          /* terminated by {NULL} */
} MSAppCommand;

extern const MSAppCommand MSAppRunCommand, MSAppDemoCommand, MSAppInfoCommand, MSAppEvalCommand, MSAppBenchCommand, MSAppSweepCommand, MSAppInvertCommand, MSAppScaleCommand;

#endif
