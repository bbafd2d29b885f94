# Finds metasim's dependencies the standard way. The same file is installed and
# included by metasimConfig.cmake, so consumers resolve exactly what we built against.
include_guard(GLOBAL)
find_package(MPI REQUIRED COMPONENTS C)
find_package(PkgConfig REQUIRED)
pkg_check_modules(METASIM_PETSC REQUIRED IMPORTED_TARGET PETSc>=3.18)
# Debian names parallel HDF5 "hdf5-openmpi"; other distributions call it hdf5.
pkg_search_module(METASIM_HDF5 REQUIRED IMPORTED_TARGET hdf5-openmpi hdf5-mpi hdf5)
# BLAS through Debian's libblas.so alternative, the one PETSc links: scripts/setup.sh installs
# libopenblas-dev, which makes it OpenBLAS (the reference BLAS is several times slower). The
# library keeps OpenBLAS to one thread per MPI rank (MSInitializePackage).
pkg_check_modules(METASIM_BLAS REQUIRED IMPORTED_TARGET blas)
