/* metasim: many simulations as one, distributed over MPI.
   The umbrella header: include this one and get every public object. */
#ifndef METASIM_H
#define METASIM_H

#include <metasim/sys.h>
#include <metasim/check.h>
#include <metasim/sim.h>
#include <metasim/map.h>
#include <metasim/farm.h>
#include <metasim/dcr.h>
#include <metasim/meta.h>
#include <metasim/io.h>

#endif
