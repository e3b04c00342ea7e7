package dev.lfsfarm.cli; public class FarmMain { public static void main(String[] a){} }
