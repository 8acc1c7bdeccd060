# Sanitizers as an INTERFACE target every qlab target links; QLAB_SANITIZER picks the set.
add_library(qlab_sanitizers INTERFACE)
add_library(qlab::sanitizers ALIAS qlab_sanitizers)
if(QLAB_SANITIZER STREQUAL "asan-ubsan")
  target_compile_options(qlab_sanitizers INTERFACE -fsanitize=address,undefined
    -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(qlab_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(QLAB_SANITIZER STREQUAL "tsan")
  target_compile_options(qlab_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(qlab_sanitizers INTERFACE -fsanitize=thread)
elseif(NOT QLAB_SANITIZER STREQUAL "")
  message(FATAL_ERROR "QLAB_SANITIZER must be '', 'asan-ubsan' or 'tsan', not '${QLAB_SANITIZER}'")
endif()

# qlab_core_library(<name> SOURCES...): a static library qlab_<name> with alias qlab::<name>,
# warnings as errors (core/ rule) and the sanitizer set.
function(qlab_core_library name)
  add_library(qlab_${name} STATIC ${ARGN})
  add_library(qlab::${name} ALIAS qlab_${name})
  target_include_directories(qlab_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(qlab_${name} PRIVATE qlab::warnings_as_errors PUBLIC qlab::sanitizers)
endfunction()
