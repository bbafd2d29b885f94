# Where the installed pieces go, and the RUNPATH that lets installed programs find libmetasim from
# any prefix. Included before the targets are defined, so every executable gets the RUNPATH.
include_guard(GLOBAL)
include(GNUInstallDirs)
# metasim bench looks for its programs here, relative to the installed metasim (bench.c).
set(METASIM_INSTALL_BENCHDIR ${CMAKE_INSTALL_LIBEXECDIR}/metasim)
set(METASIM_INSTALL_SCRIPTDIR ${CMAKE_INSTALL_DATADIR}/metasim/scripts)
# Debian's python3 looks in <prefix>/lib/python3.X/dist-packages for the /usr/local prefix.
find_program(METASIM_PYTHON3 python3 HINTS /usr/bin)
if(METASIM_PYTHON3)
  execute_process(COMMAND ${METASIM_PYTHON3} -c "import sys; print('%d.%d' % sys.version_info[:2])"
    OUTPUT_VARIABLE METASIM_PYTHON_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
if(NOT METASIM_PYTHON_VERSION)
  set(METASIM_PYTHON_VERSION 3)
endif()
set(METASIM_INSTALL_PYTHONDIR lib/python${METASIM_PYTHON_VERSION}/dist-packages)

# $ORIGIN-relative RUNPATH from a folder of the install tree to the library folder.
function(metasim_install_rpath target destination)
  file(RELATIVE_PATH to_lib "/${destination}" "/${CMAKE_INSTALL_LIBDIR}")
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/${to_lib}")
endfunction()
