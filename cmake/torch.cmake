# Locates the torch wheel's libtorch in the Python environment we build against.
#
# The runtime executable links libtorch_cpu *before* OpenCV: Debian's libopencv_core pulls in
# netlib's libblas.so.3, and whichever library comes first in the global symbol scope provides
# `sgemm_` to libtorch (10-30x slower models when it is netlib). See docs/architecture.md.
execute_process(
  COMMAND "${Python_EXECUTABLE}" -c
    "import importlib.util, os; s = importlib.util.find_spec('torch'); print(os.path.dirname(s.origin) if s else '')"
  OUTPUT_VARIABLE DS_TORCH_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT DS_TORCH_DIR OR NOT EXISTS "${DS_TORCH_DIR}/lib/libtorch_cpu.so")
  message(FATAL_ERROR
    "torch is not installed in ${Python_EXECUTABLE}'s environment. Build with "
    "'pip install --no-build-isolation .' from a venv that has torch (make does this).")
endif()
set(DS_TORCH_LIB_DIR "${DS_TORCH_DIR}/lib")
get_filename_component(DS_SITE_PACKAGES "${DS_TORCH_DIR}" DIRECTORY)
set(DS_CUDA_LIB_DIR "${DS_SITE_PACKAGES}/nvidia/cu13/lib")
message(STATUS "libtorch: ${DS_TORCH_LIB_DIR}")
