# Warnings as INTERFACE targets: link qlab::warnings to get them, qlab::warnings_as_errors in core/.
add_library(qlab_warnings INTERFACE)
add_library(qlab::warnings ALIAS qlab_warnings)
target_compile_options(qlab_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(qlab_warnings INTERFACE -Wmisleading-indentation -Wduplicated-cond
    -Wduplicated-branches -Wlogical-op
    # GCC 12 reports "literal" + std::to_string(n) as an overlapping memcpy (GCC bug 105329).
    -Wno-restrict)
endif()

add_library(qlab_warnings_as_errors INTERFACE)
add_library(qlab::warnings_as_errors ALIAS qlab_warnings_as_errors)
target_link_libraries(qlab_warnings_as_errors INTERFACE qlab_warnings)
target_compile_options(qlab_warnings_as_errors INTERFACE -Werror)

# Looser set for UI and tests: Qt's own headers and QTest macros trip -Wconversion and friends.
add_library(qlab_warnings_relaxed INTERFACE)
add_library(qlab::warnings_relaxed ALIAS qlab_warnings_relaxed)
target_compile_options(qlab_warnings_relaxed INTERFACE -Wall -Wextra -Wno-unused-parameter
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
