/*
 * probe.S: the boot sector of the probe domain (virtprobe.h). A BIOS loads
 * it at 0x7c00 in real mode; it takes the way every x86_64 kernel takes at
 * boot (protected mode, PAE paging, long mode), then prints a line on
 * COM1 and tells the host it got there through the pvpanic device (ISA
 * port 0x505). On the way it touches 128 MiB
 * page by page, as a kernel does when it unpacks itself. A host whose
 * KVM cannot run a kernel fails somewhere on that way: the guest
 * triple-faults and resets (libvirt sees the domain go away), or it
 * crawls (a nested KVM where each first touch of a page costs
 * milliseconds), which the probe sees as KVM being slower than TCG.
 * Built with the C compiler and ld into a raw image of 1 MiB (SeaBIOS
 * does not boot a smaller disk).
 */
	.code16
	.text
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	/* The A20 line, through the fast gate. */
	inb	$0x92, %al
	orb	$2, %al
	andb	$0xfe, %al
	outb	%al, $0x92
	/* Identity map of the first 2 MiB: PML4 0x1000, PDPT 0x2000, PD 0x3000. */
	xorw	%ax, %ax
	movw	$0x1000, %di
	movw	$0x1800, %cx
	cld
	rep stosw
	movl	$0x2003, 0x1000
	movl	$0x3003, 0x2000
	/* 128 PD entries of 2 MiB pages: 0..256 MiB. */
	movw	$0x3000, %di
	movl	$0x0083, %eax
	movw	$128, %cx
4:	movl	%eax, (%di)
	addl	$0x200000, %eax
	addw	$8, %di
	loop	4b
	lgdt	gdtr
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $pm32

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$0x1000, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER */
	rdmsr
	orl	$0x100, %eax		/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* PG: long mode from here */
	movl	%eax, %cr0
	ljmp	$0x18, $lm64

	.code64
lm64:
	/*
	 * Touch a word in each 4 KiB page from 2 MiB to 130 MiB, as a kernel
	 * does when it moves and unpacks itself. Where every first touch of
	 * a page costs the host dearly (a nested KVM without working EPT),
	 * this is much slower than TCG, and so is every guest kernel.
	 */
	movq	$0x200000, %rdi
5:	movq	%rdi, (%rdi)
	addq	$0x1000, %rdi
	cmpq	$0x8200000, %rdi
	jb	5b
	movw	$0x3f8, %dx
	leaq	msg(%rip), %rsi
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movw	$0x505, %dx
	movb	$1, %al
	outb	%al, %dx
3:	hlt
	jmp	3b

msg:	.asciz	"vpshost probe: long mode reached\r\n"
	.p2align 3
gdt:	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00af9a000000ffff	/* 0x18: 64-bit code */
gdtr:	.word	gdtr - gdt - 1
	.long	gdt
	.org	510
	.byte	0x55, 0xaa
	/* A disk of 1 MiB: SeaBIOS does not boot a smaller one. */
	.org	0x100000 - 1
	.byte	0
