/* The VMM core image (build/core.bin), embedded in the loader. */
	.section .rodata
	.balign 4096
	.globl core_blob_start, core_blob_end
core_blob_start:
	.incbin "build/core.bin"
core_blob_end:
	.section .note.GNU-stack, "", @progbits
