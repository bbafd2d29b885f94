# Installation: library, headers, CMake package (metasim::metasim), pkg-config file, the programs
# (metasim, metasim_invert, the benchmarks that `metasim bench` runs), the Python file helper and
# the plot scripts. Installed programs find the library through a RUNPATH relative to themselves
# ($ORIGIN), so an installed tree works from any prefix and can be moved.
include(CMakePackageConfigHelpers)
install(TARGETS metasim EXPORT metasimTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(METASIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/metasim)
install(EXPORT metasimTargets NAMESPACE metasim:: DESTINATION ${METASIM_CMAKE_DIR})
configure_package_config_file(cmake/metasimConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/metasimConfig.cmake INSTALL_DESTINATION ${METASIM_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/metasimConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/metasimConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/metasimConfigVersion.cmake
  cmake/MetasimDependencies.cmake DESTINATION ${METASIM_CMAKE_DIR})
# The .pc file finds its prefix relative to itself, so an installed tree can be moved.
file(RELATIVE_PATH METASIM_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" METASIM_PC_TO_PREFIX "${METASIM_PC_TO_PREFIX}")
configure_file(cmake/metasim.pc.in ${CMAKE_CURRENT_BINARY_DIR}/metasim.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/metasim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# Python: the problem-file helper, importable as `import msformat` with PYTHONPATH set to this
# folder (on sys.path already for the /usr/local prefix); plot and table scripts beside it.
install(FILES tests/data/msformat.py DESTINATION ${METASIM_INSTALL_PYTHONDIR})
# `import metasim` (python/metasim) beside it; _installed.py tells the package where libmetasim is,
# relative to itself, so the installed tree can be moved.
file(RELATIVE_PATH METASIM_PY_TO_LIB "/${METASIM_INSTALL_PYTHONDIR}/metasim"
  "/${CMAKE_INSTALL_LIBDIR}/libmetasim.so.${PROJECT_VERSION_MAJOR}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/python/_installed.py
  "# Written by cmake/MetasimInstall.cmake: libmetasim relative to this folder.\nLIBRARY = \"${METASIM_PY_TO_LIB}\"\n")
install(DIRECTORY python/metasim DESTINATION ${METASIM_INSTALL_PYTHONDIR} FILES_MATCHING PATTERN "*.py"
  PATTERN "__pycache__" EXCLUDE)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/python/_installed.py DESTINATION ${METASIM_INSTALL_PYTHONDIR}/metasim)
install(PROGRAMS scripts/plot_farm.py scripts/plot_farm_bench.py scripts/scale_report.py benchmarks/meta_table.py
  DESTINATION ${METASIM_INSTALL_SCRIPTDIR})
